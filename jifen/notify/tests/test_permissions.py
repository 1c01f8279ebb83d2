"""Who may open what in notifications: everyone their own inbox and preferences (never someone else's
message), learning improvement plans by learning scope, and only system admins the channels, the
delivery log and the background jobs."""

import datetime as dt

import pytest
from django.urls import reverse

from jifen.api.api import api
from jifen.notify import services
from jifen.notify import urls as notify_urls
from jifen.notify.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    JobRun,
    Kind,
    LearningPlan,
    Notification,
    Preference,
)
from jifen.org.tests.test_permission_matrix import (
    API,
    RUN_NOTIFICATIONS,
    SEE_LEARNING,
    SIGNED_IN,
    Case,
    World,
    api_case,
    assert_reaches_exactly,
    fingerprint,
    page,
    scoped,
)


class NotifyWorld(World):
    def __init__(self):
        super().__init__()
        now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
        self.own = {}
        for role, user in self.users.items():
            if user is not None:
                self.own[role] = services.notify(user=user, kind=Kind.OTHER, title="欢迎", body="欢迎使用积分",
                                                 url="/points/", key=f"welcome:{user.pk}", now=now)
        self.someone_else = services.notify(user=self.in_person.user, kind=Kind.OTHER, title="私人消息",
                                            body="只给郑雨桐", key="private", now=now)
        self.plans = {t: LearningPlan.objects.create(person=self.person(t), year=2026, opened_on=now.date(),
                                                     expected=90, earned=30, target=120) for t in ("in", "out")}
        self.channel = Channel.objects.create(kind="webhook", name="HR 系统", url="http://127.0.0.1:9/hook",
                                              secret="s3cret")
        self.failed = Delivery.objects.create(key="failed-1", channel_kind="webhook", channel=self.channel,
                                              title="消息", body="内容", status=DeliveryStatus.FAILED, attempts=6)
        self.run = JobRun.objects.create(job="weekly", key="weekly:2026-W47", status="done", total=1, done=1)
        self.unused = Channel.objects.create(kind="wecom", name="旧群", url="https://qyapi.weixin.qq.com/x?key=k")

    def own_notification(self) -> int:
        found = self.own.get(self.acting or "")
        return found.pk if found is not None else 999_999


@pytest.fixture
def world(db) -> NotifyWorld:
    return NotifyWorld()


def notify_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        list(Preference.objects.order_by("pk").values_list("pk", "mode", "email", "robots", "quiet_start")),
        list(Channel.objects.order_by("pk").values_list("pk", "name", "is_active")),
        list(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts")),
        list(JobRun.objects.order_by("pk").values_list("pk", "status")),
    )


PREFERENCES = {"mode": "immediate", "email": "on", "quiet_start": "21:00", "quiet_end": "07:30"}
CHANNEL = {"kind": "wecom", "name": "平台组群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
           "secret": "", "org_unit": "", "is_active": "on"}

CASES: list[Case] = [
    Case("notify:inbox", "get", SIGNED_IN, page("notify:inbox")),
    Case("notify:open", "get", SIGNED_IN, lambda w, t: reverse("notify:open", args=[w.own_notification()]),
         target="own", ok=302, writes=True, label=" (one's own: read, then its link)"),
    Case("notify:open", "get", SIGNED_IN, lambda w, t: reverse("notify:open", args=[w.someone_else.pk]), ok=404,
         label=" (someone else's: never)"),
    Case("notify:mark", "post", SIGNED_IN, page("notify:mark"), data=lambda w, t: {"all": "1", "read": "1"},
         ok=302, writes=True),
    Case("notify:preferences", "get", SIGNED_IN, page("notify:preferences")),
    Case("notify:preferences", "post", SIGNED_IN, page("notify:preferences"), data=lambda w, t: PREFERENCES,
         ok=302, writes=True),
    Case("notify:learning_plans", "get", SIGNED_IN, page("notify:learning_plans")),
    *scoped(url_name="notify:learning_plan", method="get", need=SEE_LEARNING,
            url=lambda w, t: reverse("notify:learning_plan", args=[w.plans[t].pk])),
    Case("notify:channels", "get", RUN_NOTIFICATIONS, page("notify:channels")),
    Case("notify:channels", "post", RUN_NOTIFICATIONS, page("notify:channels"), data=lambda w, t: CHANNEL, ok=302,
         writes=True),
    Case("notify:channel_edit", "get", RUN_NOTIFICATIONS,
         lambda w, t: reverse("notify:channel_edit", args=[w.channel.pk])),
    Case("notify:channel_edit", "post", RUN_NOTIFICATIONS,
         lambda w, t: reverse("notify:channel_edit", args=[w.channel.pk]),
         data=lambda w, t: {"kind": "webhook", "name": "新名字", "url": "http://127.0.0.1:9/hook", "secret": "s3cret",
                            "org_unit": "", "is_active": "on"}, ok=302, writes=True),
    Case("notify:channel_test", "post", RUN_NOTIFICATIONS,
         lambda w, t: reverse("notify:channel_test", args=[w.channel.pk]), ok=302,
         label=" (nobody listens there: refused, said so)"),
    Case("notify:deliveries", "get", RUN_NOTIFICATIONS, page("notify:deliveries")),
    Case("notify:delivery_resend", "post", RUN_NOTIFICATIONS,
         lambda w, t: reverse("notify:delivery_resend", args=[w.failed.pk]), ok=302, writes=True),
    Case("notify:jobs", "get", RUN_NOTIFICATIONS, page("notify:jobs")),
    Case("notify:job", "get", RUN_NOTIFICATIONS, lambda w, t: reverse("notify:job", args=[w.run.pk])),
    Case("notify:job_run_now", "post", RUN_NOTIFICATIONS, page("notify:job_run_now", "expiry"), ok=302,
         writes=True),
    api_case("GET /api/v1/notifications", "list_notifications", SIGNED_IN, lambda w, t: f"{API}/notifications"),
    api_case("GET /api/v1/notifications/unread-count", "unread_count", SIGNED_IN,
             lambda w, t: f"{API}/notifications/unread-count"),
    api_case("POST /api/v1/notifications/mark", "mark", SIGNED_IN, lambda w, t: f"{API}/notifications/mark",
             data=lambda w, t: {"read": True}, writes=True),
    api_case("GET /api/v1/notifications/preferences", "get_preferences", SIGNED_IN,
             lambda w, t: f"{API}/notifications/preferences"),
    api_case("PUT /api/v1/notifications/preferences", "put_preferences", SIGNED_IN,
             lambda w, t: f"{API}/notifications/preferences",
             data=lambda w, t: {"mode": "immediate", "email": False, "robots": True, "quiet_start": "21:00:00",
                                "quiet_end": "07:00:00", "muted_kinds": ["weekly"]}, writes=True),
    # ---- system admins over the API: channels, the delivery log, background jobs (api_manage)
    api_case("GET /api/v1/notifications/channels", "channel_list", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels"),
    api_case("POST /api/v1/notifications/channels", "channel_create", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels", ok=201, writes=True,
             data=lambda w, t: {"kind": "wecom", "name": "平台组群", "url": CHANNEL["url"]}),
    api_case("PATCH /api/v1/notifications/channels/{channel_id}", "channel_update", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels/{w.channel.pk}", data=lambda w, t: {"name": "新名字"},
             writes=True),
    api_case("DELETE /api/v1/notifications/channels/{channel_id}", "channel_delete", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels/{w.unused.pk}", ok=204, writes=True,
             label=" (never sent anything)"),
    api_case("DELETE /api/v1/notifications/channels/{channel_id}", "channel_delete", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels/{w.channel.pk}", ok=409,
             label=" (messages in the log: switch it off instead)"),
    api_case("POST /api/v1/notifications/channels/{channel_id}/test", "channel_test", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/channels/{w.channel.pk}/test", ok=400,
             label=" (nobody listens there: refused, said so)"),
    api_case("GET /api/v1/notifications/deliveries", "delivery_list", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/deliveries?status=failed"),
    api_case("POST /api/v1/notifications/deliveries/{delivery_id}/resend", "delivery_resend", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/deliveries/{w.failed.pk}/resend", writes=True),
    api_case("GET /api/v1/notifications/jobs", "job_list", RUN_NOTIFICATIONS, lambda w, t: f"{API}/notifications/jobs"),
    api_case("POST /api/v1/notifications/jobs/{name}/run", "job_run_now", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/jobs/expiry/run", ok=202, writes=True),
    api_case("GET /api/v1/notifications/job-runs", "job_run_list", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/job-runs"),
    api_case("GET /api/v1/notifications/job-runs/{run_id}", "job_run", RUN_NOTIFICATIONS,
             lambda w, t: f"{API}/notifications/job-runs/{w.run.pk}"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ["anonymous", "learner", "manager", "trainer", "training_admin", "hr_auditor",
                                  "system_admin"])
def test_every_role_reaches_exactly_what_it_may_in_notifications(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, notify_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_notifications_has_a_row():
    names = {f"notify:{pattern.name}" for pattern in notify_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") in (["notifications"], ["notification operations"])}
    assert ours == {case.api_op for case in CASES if case.api_op}
