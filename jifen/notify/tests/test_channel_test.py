"""An admin setting up a group robot presses "send a test" and sees at once whether the address and the
secret are right: the robot (a real local server checking the signature) gets the test message."""

from django.urls import reverse

from jifen.notify.models import Channel
from jifen.notify.tests.receivers import DingTalkRobot, WebhookConsumer
from jifen.org.models import Role


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_dingtalk_test_message_reaches_the_robot_when_the_secret_is_right(client, org):
    admin = org.person(role=Role.SYSTEM_ADMIN)
    client.force_login(admin.user)
    with DingTalkRobot() as robot:
        right = Channel.objects.create(kind="dingtalk", name="研发群", url=robot.url, secret=robot.secret)
        wrong = Channel.objects.create(kind="dingtalk", name="旧群", url=robot.url, secret="not-the-secret")
        ok = client.post(reverse("notify:channel_test", args=[right.pk]), follow=True)
        refused = client.post(reverse("notify:channel_test", args=[wrong.pk]), follow=True)
    [received] = robot.accepted
    assert received.data["markdown"]["title"] == "积分系统测试消息"
    assert _messages(ok) == ["测试消息已发送。"]
    assert len(_messages(refused)) == 1 and "测试消息被拒绝" in _messages(refused)[0]


def test_a_webhook_test_is_signed_like_every_other_event(client, org):
    admin = org.person(role=Role.SYSTEM_ADMIN)
    client.force_login(admin.user)
    with WebhookConsumer() as consumer:
        channel = Channel.objects.create(kind="webhook", name="HR 系统", url=consumer.url, secret=consumer.secret)
        client.post(reverse("notify:channel_test", args=[channel.pk]))
    [received] = consumer.accepted  # the consumer checked the HMAC
    assert received.headers["x-jifen-event"] == "test"
    assert received.data["data"]["text"]
