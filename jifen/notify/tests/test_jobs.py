"""Background jobs in users' terms (seeds 002 and 003): the Monday points notice, the monthly
statement, reminders, escalation of people behind on credits, digests instead of a message per point,
quiet hours, retries, and a crashed run that resumes without sending anything twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils.translation import gettext as _

from jifen.catalog.models import Course, CourseAssignment
from jifen.ledger import services as ledger
from jifen.ledger.models import Currency
from jifen.notify import jobs, services, tasks
from jifen.notify.models import (
    Delivery,
    DeliveryStatus,
    JobRun,
    JobStatus,
    Kind,
    LearningPlan,
    Mode,
    Notification,
    Preference,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)  # the week before: 11-16 to 11-22


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JIFEN_EMAIL = True
    settings.JIFEN_SITE_URL = "https://jifen.example.cn"


def people(org, n, **kwargs):
    return [org.person(name=f"学员{i}", email=f"p{i}@example.cn", **kwargs) for i in range(n)]


def immediate(person):
    Preference.objects.create(user=person.user, mode=Mode.IMMEDIATE, quiet_start=dt.time(0, 0),
                              quiet_end=dt.time(0, 0))


def test_the_monday_notice_tells_last_weeks_points_spending_expiry_rank_and_missing_credits(org):
    alice, bob = people(org, 2)
    last_week = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
    ledger.award(person=alice, currency=Currency.POINTS, amount=30, key="a1", reason="签到", occurred_at=last_week,
                 now=last_week)
    ledger.award(person=bob, currency=Currency.POINTS, amount=50, key="b1", reason="考试", occurred_at=last_week,
                 now=last_week)
    ledger.spend(person=alice, amount=10, key="a-spend", reason="兑换", now=last_week)
    ledger.award(person=alice, currency=Currency.CREDITS, amount=12, key="a-credit", reason="课程", now=last_week,
                 occurred_at=last_week, credit_type="required")
    run = jobs.weekly_notices(now=MONDAY)
    assert run.status == JobStatus.DONE and run.key == "weekly:2026-W47"
    assert (run.total, run.done, run.made) == (2, 2, 2)
    notice = Notification.objects.get(user=alice.user, kind=Kind.WEEKLY)
    assert notice.key == f"weekly:2026-W47:{alice.pk}"
    assert "30.0" in notice.body and "10.0" in notice.body and "20.0" in notice.body  # earned, spent, balance
    assert _("Your rank this year: %(rank)s of %(ranked)s.").replace("%(rank)s", "2").replace(
        "%(ranked)s", "2") in notice.body
    assert "138.0" in notice.body  # credits still missing this year: 150 less the 12 earned


def test_a_crashed_weekly_run_resumed_sends_each_person_exactly_one_notice(org, monkeypatch):
    crowd = people(org, 5)
    for person in crowd:
        immediate(person)
    real_send, calls = jobs._send, {"n": 0}

    def crash_on_the_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ConnectionError("the worker died")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(jobs, "_send", crash_on_the_fourth)
    with pytest.raises(ConnectionError):
        jobs.weekly_notices(now=MONDAY)
    run = JobRun.objects.get(key="weekly:2026-W47")
    assert run.status == JobStatus.FAILED and "the worker died" in run.error
    assert Notification.objects.filter(kind=Kind.WEEKLY).count() == 3

    monkeypatch.setattr(jobs, "_send", real_send)
    resumed = jobs.weekly_notices(now=MONDAY + dt.timedelta(minutes=5))
    assert resumed.status == JobStatus.DONE and resumed.attempts == 2
    for person in crowd:
        assert Notification.objects.filter(user=person.user, kind=Kind.WEEKLY).count() == 1
    services.deliver_due(now=MONDAY + dt.timedelta(minutes=6))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in crowd)  # one e-mail each
    assert jobs.weekly_notices(now=MONDAY + dt.timedelta(hours=1)) is None  # done: nothing more this week


def test_a_second_worker_leaves_a_running_period_alone_until_it_falls_silent(org):
    people(org, 2)
    JobRun.objects.create(job="weekly", key="weekly:2026-W47", started_at=MONDAY, heartbeat_at=MONDAY)
    assert jobs.weekly_notices(now=MONDAY + dt.timedelta(minutes=2)) is None
    assert not Notification.objects.exists()
    taken_over = jobs.weekly_notices(now=MONDAY + jobs.STALE + dt.timedelta(minutes=1))
    assert taken_over.status == JobStatus.DONE and taken_over.attempts == 2
    assert Notification.objects.count() == 2


def test_people_get_one_daily_digest_by_default_not_a_message_per_point(org):
    (person,) = people(org, 1)
    for n in range(3):
        services.notify(user=person.user, kind=Kind.OTHER, title=f"消息{n}", body="内容", key=f"x{n}",
                        now=MONDAY)
    assert not Delivery.objects.exists()  # digest mode: nothing sent per message
    morning = MONDAY + dt.timedelta(hours=1)
    assert services.make_digests(now=morning) == 1
    digest = Delivery.objects.get()
    assert digest.notifications.count() == 3 and "消息2" in digest.body
    assert services.make_digests(now=morning + dt.timedelta(minutes=5)) == 0
    assert services.deliver_due(now=morning) == {"sent": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]


def test_immediate_messages_wait_for_the_end_of_quiet_hours(org):
    (person,) = people(org, 1)
    Preference.objects.create(user=person.user, mode=Mode.IMMEDIATE)  # quiet 22:00 to 08:00
    late = dt.datetime(2026, 11, 23, 23, 15, tzinfo=SHANGHAI)
    services.notify(user=person.user, kind=Kind.OTHER, title="晚间消息", body="内容", key="late", now=late)
    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at == dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    assert services.deliver_due(now=late + dt.timedelta(hours=1)) == {}
    assert services.deliver_due(now=delivery.next_attempt_at) == {"sent": 1}


def test_a_failing_channel_is_retried_with_backoff_then_failed_and_an_admin_can_resend(org, monkeypatch):
    from jifen.notify import channels

    (person,) = people(org, 1)
    immediate(person)
    services.notify(user=person.user, kind=Kind.OTHER, title="消息", body="内容", key="k", now=MONDAY)

    def refuse(*args, **kwargs):
        raise channels.ChannelError("SMTP 451 try later", retryable=True)

    monkeypatch.setattr(channels, "send_email", refuse)
    moment = MONDAY
    for wait in services.BACKOFF:
        assert services.deliver_due(now=moment) == {"pending": 1}
        moment += wait
    assert services.deliver_due(now=moment) == {"failed": 1}
    delivery = Delivery.objects.get()
    assert delivery.attempts == services.MAX_ATTEMPTS and "451" in delivery.last_error
    monkeypatch.undo()
    services.resend(delivery=delivery, now=moment)
    assert services.deliver_due(now=moment) == {"sent": 1}


def test_required_course_reminders_7_days_and_1_day_before_unless_done(org):
    alice, bob = people(org, 2)
    course = Course.objects.create(code="SAFE-1", title="安全生产", kind="required", credits=2)
    CourseAssignment.objects.create(course=course, org_unit=org.platform, due_on=dt.date(2026, 11, 30))
    run = jobs.reminders(now=MONDAY)
    assert run.made == 2
    found = Notification.objects.filter(kind=Kind.COURSE_DUE).order_by("user_id")
    assert [n.user_id for n in found] == [alice.user_id, bob.user_id]
    assert "安全生产" in found[0].body and "2026-11-30" in found[0].body
    assert jobs.reminders(now=MONDAY + dt.timedelta(hours=2)) is None  # once a day


def test_behind_two_months_running_opens_a_learning_plan_and_tells_the_manager(org):
    manager = org.person(name="王经理")
    learner = org.person(name="落后者", manager=manager)
    org.engineer.annual_credit_target = 120
    org.engineer.save()
    first = dt.datetime(2026, 10, 1, 9, 30, tzinfo=SHANGHAI)
    jobs.progress_escalations(now=first)
    assert Notification.objects.filter(user=learner.user, kind=Kind.BEHIND).exists()
    assert not LearningPlan.objects.exists()  # once is not yet a pattern
    jobs.progress_escalations(now=dt.datetime(2026, 11, 1, 9, 30, tzinfo=SHANGHAI))
    plan = LearningPlan.objects.get(person=learner)
    assert (plan.expected, plan.earned, plan.target) == (Decimal("99.9"), Decimal("0.0"), Decimal("120.0"))  # 120 × 304 / 365
    told = Notification.objects.get(user=manager.user, kind=Kind.TEAM_BEHIND)
    assert "落后者" in told.body and told.url.endswith(f"/learning-plans/{plan.pk}/")


def test_jobs_are_due_at_their_local_time_in_their_period():
    weekly = tasks.JOBS["weekly"][2]
    assert not tasks.is_due(weekly, dt.datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI))
    assert tasks.is_due(weekly, dt.datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI))
    assert tasks.is_due(weekly, dt.datetime(2026, 11, 26, 3, 0, tzinfo=SHANGHAI))  # a worker down on Monday
    monthly = tasks.JOBS["monthly"][2]
    assert not tasks.is_due(monthly, dt.datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI))
    assert tasks.is_due(monthly, dt.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))


def test_the_five_minute_tick_runs_what_is_due_once(org):
    people(org, 2)
    ran = tasks.run_due(MONDAY + dt.timedelta(hours=2))
    assert "weekly" in ran and "expiry" in ran and "reminders" in ran
    assert "weekly" not in tasks.run_due(MONDAY + dt.timedelta(hours=2, minutes=5))
    assert Notification.objects.filter(kind=Kind.WEEKLY).count() == 2


def test_a_delivery_is_sent_once_even_when_two_workers_reach_it(org):
    (person,) = people(org, 1)
    immediate(person)
    services.notify(user=person.user, kind=Kind.OTHER, title="消息", body="内容", key="k", now=MONDAY)
    pk = Delivery.objects.get().pk
    assert services.deliver_one(pk, now=MONDAY) == DeliveryStatus.SENT
    assert services.deliver_one(pk, now=MONDAY) is None
    assert len(mail.outbox) == 1


def test_a_learning_plan_closes_itself_when_the_person_catches_up(org):
    learner = org.person(name="落后者")
    org.engineer.annual_credit_target = 120
    org.engineer.save()
    for month in (10, 11):
        jobs.progress_escalations(now=dt.datetime(2026, month, 1, 9, 30, tzinfo=SHANGHAI))
    plan = LearningPlan.objects.get(person=learner)
    assert plan.status == LearningPlan.Status.OPEN
    catch_up = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    ledger.award(person=learner, currency=Currency.CREDITS, amount=100, key="catch-up", reason="集中补学",
                 occurred_at=catch_up, now=catch_up, credit_type="elective")
    jobs.progress_escalations(now=dt.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI))
    plan.refresh_from_db()
    assert plan.status == LearningPlan.Status.CLOSED and plan.closed_at is not None


def test_a_delivery_whose_worker_died_while_sending_is_tried_again_after_the_lease(org):
    (person,) = people(org, 1)
    immediate(person)
    services.notify(user=person.user, kind=Kind.OTHER, title="消息", body="内容", key="k", now=MONDAY)
    delivery = Delivery.objects.get()
    # A worker claimed it and died before it could say how the sending went.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=MONDAY + services.LEASE, attempts=1)
    assert services.deliver_due(now=MONDAY + dt.timedelta(minutes=1)) == {}
    assert services.deliver_due(now=MONDAY + services.LEASE) == {"sent": 1}
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and len(mail.outbox) == 1


def test_jobs_queue_and_run_through_redis_when_redis_url_is_set(org):
    """At scale the queue is Redis (REDIS_URL): a queued job goes through a real Redis and runs."""
    import redis
    from huey import RedisHuey

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    huey = RedisHuey("jifen-test", url="redis://127.0.0.1:6379/15", immediate=False)
    huey.flush()
    run_weekly = huey.task()(lambda: bool(jobs.weekly_notices(now=MONDAY)))
    people(org, 2)
    run_weekly()
    assert len(huey) == 1  # waiting in Redis
    assert huey.execute(huey.dequeue()) is True
    assert Notification.objects.filter(kind=Kind.WEEKLY).count() == 2
    huey.flush()


def test_the_weekly_run_costs_a_few_queries_per_person_not_per_entry(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(n: int, week: int) -> int:
        crowd = [org.person(name=f"第{week}周{i}") for i in range(n)]
        for person in crowd:
            for k in range(5):
                ledger.award(person=person, currency=Currency.POINTS, amount=1, key=f"{week}:{person.pk}:{k}",
                             reason="签到", now=MONDAY - dt.timedelta(days=3 + 7 * (week - 1)))
        with CaptureQueriesContext(connection) as captured:
            jobs.weekly_notices(now=MONDAY + dt.timedelta(weeks=week))
        return len(captured)

    small, large = cost(4, 1), cost(12, 2)  # the second week's run covers 16 people
    # per extra person, whatever their entries: the notice in a savepoint (its key is its idempotency) and
    # the webhooks it goes to
    assert (large - small) / 12 <= 6
