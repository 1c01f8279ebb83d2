"""Deliveries end to end: a message made by a job reaches the person's department group chat robot
(signed, mentioning them) and the other systems' webhook, exactly as each receiver checks it."""

import datetime as dt

import pytest
from django.utils import timezone

from jifen.notify import services
from jifen.notify.models import Channel, Delivery, DeliveryStatus, Kind, Mode, Preference
from jifen.notify.tests.receivers import DINGTALK_SECRET, WEBHOOK_SECRET, DingTalkRobot, WebhookConsumer


@pytest.fixture
def dingtalk():
    with DingTalkRobot() as robot:
        yield robot


@pytest.fixture
def consumer():
    with WebhookConsumer() as receiver:
        yield receiver


def test_a_message_reaches_the_departments_dingtalk_group_and_the_hr_systems_webhook(org, dingtalk, consumer):
    learner = org.person(name="郑雨桐", phone="13800001111")
    outsider = org.person(name="钱多多", unit=org.marketing, phone="13900002222")
    for person in (learner, outsider):
        Preference.objects.create(user=person.user, mode=Mode.IMMEDIATE, robots=True, email=False,
                                  quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    Channel.objects.create(kind="dingtalk", name="平台组钉钉群", url=dingtalk.url, secret=DINGTALK_SECRET,
                           org_unit=org.platform)
    Channel.objects.create(kind="webhook", name="HR 系统", url=consumer.url, secret=WEBHOOK_SECRET)
    now = timezone.now()
    services.notify(user=learner.user, kind=Kind.COURSE_DUE, title="必修课即将到期", body="《安全生产》7 天后截止",
                    url="/courses/mine/", key="due:1", now=now)
    services.notify(user=outsider.user, kind=Kind.OTHER, title="市场部消息", body="内容", key="other:1", now=now)
    assert services.deliver_due(now=now) == {"sent": 3}  # the robot for 平台组 only, the webhook for both

    [robot_message] = dingtalk.accepted
    assert robot_message.data["at"]["atMobiles"] == ["13800001111"]
    assert "@13800001111" in robot_message.data["markdown"]["text"]
    assert "《安全生产》7 天后截止" in robot_message.data["markdown"]["text"]
    hooks = sorted(consumer.accepted, key=lambda r: r.data["data"]["title"])
    assert [h.data["data"]["title"] for h in hooks] == ["市场部消息", "必修课即将到期"]
    assert hooks[1].data["data"]["recipient"]["employee_no"] == learner.employee_no
    assert hooks[1].data["data"]["url"].endswith("/courses/mine/")


def test_a_refused_signature_fails_at_once_and_shows_in_the_delivery_log(org, dingtalk):
    learner = org.person(name="郑雨桐", phone="13800001111")
    Preference.objects.create(user=learner.user, mode=Mode.IMMEDIATE, robots=True, email=False,
                              quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    Channel.objects.create(kind="dingtalk", name="平台组钉钉群", url=dingtalk.url, secret="wrong-secret")
    now = timezone.now()
    services.notify(user=learner.user, kind=Kind.OTHER, title="消息", body="内容", key="k", now=now)
    assert services.deliver_due(now=now) == {"failed": 1}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1 and delivery.last_error
    assert not dingtalk.accepted


def test_the_monday_notices_reach_each_person_once_as_one_digest_through_a_real_smtp_server(org, smtp_server,
                                                                                               settings):
    from jifen.notify import jobs

    settings.JIFEN_EMAIL = True
    crowd = [org.person(name=f"学员{i}", email=f"p{i}@example.cn") for i in range(3)]
    monday = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    jobs.weekly_notices(now=monday)
    services.make_digests(now=monday + dt.timedelta(hours=1))
    assert services.deliver_due(now=monday + dt.timedelta(hours=1)) == {"sent": 3}
    received = sorted(smtp_server.messages, key=lambda m: m["To"])
    assert [m["To"] for m in received] == [p.email for p in crowd]
    body = received[0].get_body(("plain",)).get_content()
    assert "学员0" in body and received[0].get_body(("html",)) is not None
    services.make_digests(now=monday + dt.timedelta(hours=2))  # nothing new: no second digest
    assert services.deliver_due(now=monday + dt.timedelta(hours=2)) == {}
    assert len(smtp_server.messages) == 3
