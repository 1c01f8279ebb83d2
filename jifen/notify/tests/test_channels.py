"""Notices leave Jifen through e-mail, WeCom / DingTalk / Feishu group robots and signed webhooks.

The robots and webhook consumers are real local HTTP servers that check the payload and the signature the
way each platform does (see receivers.py); e-mail goes through a real local SMTP server (aiosmtpd).
"""

import socket
import time

import pytest
from django.utils import translation
from django.utils.translation import gettext

from jifen.notify.channels import (
    ChannelError,
    Message,
    send_dingtalk,
    send_email,
    send_feishu,
    send_webhook,
    send_wecom,
)
from jifen.notify.tests.receivers import DingTalkRobot, FeishuBot, WebhookConsumer, WeComRobot

NOTICE = Message(
    title="本周积分通知",
    text="本周获得 12 积分，兑换 5 积分。\n还差 30 学分完成年度要求。",
    url="https://jifen.example.com/me/points/",
)
MENTIONING = Message(
    title="学习提醒",
    text="必修课《安全生产》7 天后截止。",
    url="https://jifen.example.com/learning/",
    mentions=("13800001111", "13900002222"),
)
HOUR = 3600


def _refused(call) -> ChannelError:
    with pytest.raises(ChannelError) as raised:
        call()
    return raised.value


@pytest.fixture
def wecom():
    with WeComRobot() as robot:
        yield robot


@pytest.fixture
def dingtalk():
    with DingTalkRobot() as robot:
        yield robot


@pytest.fixture
def feishu():
    with FeishuBot() as robot:
        yield robot


@pytest.fixture
def consumer():
    with WebhookConsumer() as receiver:
        yield receiver


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- WeCom (企业微信) ---------------------------------------------------------------------------------


def test_wecom_group_gets_the_weekly_notice_as_markdown_with_title_and_link(wecom):
    send_wecom(wecom.url, NOTICE)

    [received] = wecom.accepted
    content = received.data["markdown"]["content"]
    assert received.data["msgtype"] == "markdown"
    assert content.startswith("**本周积分通知**\n本周获得 12 积分")
    assert f"[{gettext('Open in Jifen')}](https://jifen.example.com/me/points/)" in content


def test_wecom_reminds_mentioned_people_by_mobile_in_a_text_message(wecom):
    send_wecom(wecom.url, MENTIONING)

    [received] = wecom.accepted
    assert received.data["msgtype"] == "text"
    assert received.data["text"]["mentioned_mobile_list"] == ["13800001111", "13900002222"]
    assert "必修课《安全生产》7 天后截止。" in received.data["text"]["content"]


def test_a_long_wecom_notice_is_shortened_to_the_platform_limit_and_keeps_its_link(wecom):
    send_wecom(wecom.url, Message(title="月度积分报告", text="学习记录。" * 2000, url=NOTICE.url))

    [received] = wecom.accepted
    content = received.data["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.endswith(f"({NOTICE.url})")


def test_wecom_refuses_an_unknown_robot_key_and_it_is_not_retried(wecom):
    error = _refused(lambda: send_wecom(wecom.url.replace(wecom.key, "revoked-key"), NOTICE))

    assert not error.retryable
    assert "93000" in str(error)
    assert wecom.accepted == []


def test_wecom_rate_limit_is_retried_later(wecom):
    wecom.mode = "rate_limited"

    error = _refused(lambda: send_wecom(wecom.url, NOTICE))

    assert error.retryable
    assert "45009" in str(error)


# --- DingTalk (钉钉) ----------------------------------------------------------------------------------


def test_dingtalk_robot_accepts_the_signed_notice(dingtalk):
    send_dingtalk(dingtalk.url, dingtalk.secret, NOTICE)

    [received] = dingtalk.accepted  # the robot recomputed the sign from timestamp and secret
    assert received.query["access_token"] == dingtalk.access_token
    markdown = received.data["markdown"]
    assert markdown["title"] == "本周积分通知"
    assert "本周获得 12 积分，兑换 5 积分。" in markdown["text"]
    assert "还差 30 学分完成年度要求。" in markdown["text"]
    assert f"[{gettext('Open in Jifen')}](https://jifen.example.com/me/points/)" in markdown["text"]
    assert received.data["at"] == {"atMobiles": [], "isAtAll": False}


def test_dingtalk_mentions_are_in_the_text_and_the_at_list(dingtalk):
    send_dingtalk(dingtalk.url, dingtalk.secret, MENTIONING)

    [received] = dingtalk.accepted
    assert received.data["at"]["atMobiles"] == ["13800001111", "13900002222"]
    assert "@13800001111 @13900002222" in received.data["markdown"]["text"]


def test_dingtalk_refuses_a_wrong_secret_and_it_is_not_retried(dingtalk):
    error = _refused(lambda: send_dingtalk(dingtalk.url, "SECwrong", NOTICE))

    assert not error.retryable
    assert "310000" in str(error)
    assert dingtalk.problems == ["sign"]


def test_dingtalk_refuses_a_signature_older_than_an_hour(dingtalk):
    two_hours_ago = int((time.time() - 2 * HOUR) * 1000)

    error = _refused(lambda: send_dingtalk(dingtalk.url, dingtalk.secret, NOTICE, now_ms=two_hours_ago))

    assert not error.retryable
    assert dingtalk.problems == ["timestamp missing or more than an hour away"]


def test_dingtalk_sending_too_fast_is_retried_later(dingtalk):
    dingtalk.mode = "rate_limited"

    error = _refused(lambda: send_dingtalk(dingtalk.url, dingtalk.secret, NOTICE))

    assert error.retryable
    assert "130101" in str(error)


# --- Feishu / Lark (飞书) -----------------------------------------------------------------------------


def test_feishu_bot_accepts_the_signed_rich_text_notice(feishu):
    message = Message(
        title=NOTICE.title, text=NOTICE.text, url=NOTICE.url, mentions=("ou_7d8a6e6df7621556", "13800001111")
    )

    send_feishu(feishu.url, feishu.secret, message)

    [received] = feishu.accepted  # the bot recomputed the sign from timestamp and secret
    assert received.data["msg_type"] == "post"
    post = received.data["content"]["post"]["zh_cn"]
    assert post["title"] == "本周积分通知"
    assert post["content"] == [
        [{"tag": "text", "text": "本周获得 12 积分，兑换 5 积分。"}],
        [{"tag": "text", "text": "还差 30 学分完成年度要求。"}],
        [{"tag": "a", "text": gettext("Open in Jifen"), "href": "https://jifen.example.com/me/points/"}],
        [{"tag": "at", "user_id": "ou_7d8a6e6df7621556"}],
    ]
    # A custom bot cannot look a mobile number up: it is left out, never printed into the group.
    assert b"13800001111" not in received.body


def test_feishu_post_is_in_english_for_an_english_audience(feishu):
    with translation.override("en"):
        send_feishu(feishu.url, feishu.secret, NOTICE)

    [received] = feishu.accepted
    post = received.data["content"]["post"]["en_us"]
    assert post["content"][-1] == [{"tag": "a", "text": "Open in Jifen", "href": NOTICE.url}]


def test_feishu_legacy_status_code_answer_counts_as_delivered():
    with FeishuBot(legacy=True) as feishu:
        send_feishu(feishu.url, feishu.secret, NOTICE)
        assert len(feishu.accepted) == 1


def test_feishu_refuses_a_wrong_secret_and_it_is_not_retried(feishu):
    error = _refused(lambda: send_feishu(feishu.url, "not-the-secret", NOTICE))

    assert not error.retryable
    assert "19021" in str(error)
    assert feishu.problems == ["sign"]


def test_feishu_refuses_a_timestamp_older_than_an_hour(feishu):
    error = _refused(lambda: send_feishu(feishu.url, feishu.secret, NOTICE, now=int(time.time()) - 2 * HOUR))

    assert not error.retryable
    assert feishu.problems == ["timestamp missing or more than an hour away"]


def test_feishu_rate_limit_is_retried_later(feishu):
    feishu.mode = "rate_limited"

    error = _refused(lambda: send_feishu(feishu.url, feishu.secret, NOTICE))

    assert error.retryable
    assert "11232" in str(error)


# --- generic webhook ----------------------------------------------------------------------------------


def test_other_systems_get_a_signed_event_they_can_verify(consumer):
    payload = {"person": "JF0007", "earned": 12, "spent": 5, "week": "2026-W48"}

    send_webhook(consumer.url, consumer.secret, "points.weekly_notice", payload, delivery_id="d-42")

    [received] = consumer.accepted  # the consumer recomputed the HMAC over timestamp and body
    assert received.headers["x-jifen-event"] == "points.weekly_notice"
    assert received.headers["x-jifen-delivery"] == "d-42"
    assert received.data["data"] == payload
    assert received.data["sent_at"].endswith("+00:00")
    assert received.query == {"tenant": "hr"}


def test_a_retried_delivery_keeps_its_id_so_the_receiver_can_drop_the_duplicate(consumer):
    send_webhook(consumer.url, consumer.secret, "points.weekly_notice", {"n": 1}, delivery_id="d-7")
    send_webhook(consumer.url, consumer.secret, "points.weekly_notice", {"n": 1}, delivery_id="d-7")
    send_webhook(consumer.url, consumer.secret, "points.weekly_notice", {"n": 2})

    ids = [received.data["delivery_id"] for received in consumer.accepted]
    assert ids[0] == ids[1] == "d-7" and ids[2] not in ("", "d-7")


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_answer_counts_as_delivered(status):
    with WebhookConsumer(ok_status=status) as consumer:
        send_webhook(consumer.url, consumer.secret, "credits.reminder", {"due_in_days": 7})
        assert len(consumer.accepted) == 1


def test_a_receiver_refusing_the_signature_is_not_retried(consumer):
    error = _refused(lambda: send_webhook(consumer.url, "another-secret", "credits.reminder", {}))

    assert not error.retryable and error.status == 401
    assert consumer.problems == ["signature"]


def test_a_stale_webhook_timestamp_is_refused(consumer):
    error = _refused(
        lambda: send_webhook(
            consumer.url, consumer.secret, "credits.reminder", {}, now=int(time.time()) - 2 * HOUR
        )
    )

    assert not error.retryable and error.status == 401
    assert consumer.problems == ["timestamp missing or more than an hour away"]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_server_errors_and_rate_limits_are_retried(consumer, status):
    consumer.mode, consumer.status = "status", status

    error = _refused(lambda: send_webhook(consumer.url, consumer.secret, "credits.reminder", {}))

    assert error.retryable and error.status == status


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_are_not_retried(consumer, status):
    consumer.mode, consumer.status = "status", status

    error = _refused(lambda: send_webhook(consumer.url, consumer.secret, "credits.reminder", {}))

    assert not error.retryable and error.status == status


def test_robot_gateway_errors_are_retried(wecom, dingtalk, feishu):
    for robot in (wecom, dingtalk, feishu):
        robot.mode = "server_error"
    for send in (
        lambda: send_wecom(wecom.url, NOTICE),
        lambda: send_dingtalk(dingtalk.url, dingtalk.secret, NOTICE),
        lambda: send_feishu(feishu.url, feishu.secret, NOTICE),
    ):
        error = _refused(send)
        assert error.retryable and error.status == 502


def test_a_receiver_that_does_not_answer_in_time_is_retried(consumer, feishu):
    consumer.mode = feishu.mode = "slow"
    started = time.monotonic()

    webhook_error = _refused(
        lambda: send_webhook(consumer.url, consumer.secret, "credits.reminder", {}, timeout=0.5)
    )
    robot_error = _refused(lambda: send_feishu(feishu.url, feishu.secret, NOTICE, timeout=0.5))

    assert webhook_error.retryable and robot_error.retryable
    assert time.monotonic() - started < consumer.delay * 2


def test_an_unreachable_receiver_is_retried():
    url = f"http://127.0.0.1:{_closed_port()}/hooks"

    error = _refused(lambda: send_webhook(url, "s", "credits.reminder", {}, timeout=2))

    assert error.retryable and error.status is None


def test_redirects_to_another_host_are_not_followed(consumer):
    with WebhookConsumer() as elsewhere:
        consumer.mode = "redirect_away"
        consumer.redirect_to = elsewhere.url.replace("127.0.0.1", "localhost")

        error = _refused(lambda: send_webhook(consumer.url, consumer.secret, "credits.reminder", {}))

        assert not error.retryable and error.status == 307
        assert elsewhere.requests == []


def test_a_redirect_on_the_same_host_is_followed_with_the_signed_body(consumer):
    consumer.mode = "redirect_same"

    send_webhook(consumer.url, consumer.secret, "credits.reminder", {"due_in_days": 1})

    assert [received.path for received in consumer.requests] == ["/hooks/jifen", "/moved"]
    assert consumer.requests[1].ok and consumer.requests[1].data["data"] == {"due_in_days": 1}


def test_a_huge_answer_is_read_only_up_to_the_cap(consumer, wecom):
    consumer.mode = wecom.mode = "huge"
    started = time.monotonic()

    send_webhook(consumer.url, consumer.secret, "credits.reminder", {})
    error = _refused(lambda: send_wecom(wecom.url, NOTICE))

    assert not error.retryable  # megabytes of non-JSON are not a robot's answer
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "",
        "http://",
        "https://:443/x",
        "gopher://127.0.0.1:25/",
    ],
)
def test_only_http_and_https_addresses_are_accepted(url):
    senders = (
        lambda: send_wecom(url, NOTICE),
        lambda: send_dingtalk(url, "SEC", NOTICE),
        lambda: send_feishu(url, "secret", NOTICE),
        lambda: send_webhook(url, "secret", "credits.reminder", {}),
    )
    for send in senders:
        error = _refused(send)
        assert not error.retryable
        assert str(error) == gettext("Only http and https addresses can receive notifications.")


def test_an_event_name_that_cannot_be_a_header_is_refused(consumer):
    error = _refused(lambda: send_webhook(consumer.url, consumer.secret, "积分\r\nX-Evil: 1", {}))

    assert not error.retryable
    assert consumer.requests == []


# --- e-mail -------------------------------------------------------------------------------------------


def test_email_notice_arrives_with_text_and_html_parts_and_chinese_subject(smtp_server):
    send_email(["zhengyutong@example.com"], NOTICE)

    [received] = smtp_server.messages
    assert received["Subject"] == "本周积分通知"
    assert received["To"] == "zhengyutong@example.com"
    assert received["From"].addresses[0].addr_spec == "jifen@training.example.com"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "本周获得 12 积分，兑换 5 积分。" in text and "https://jifen.example.com/me/points/" in text
    assert "本周获得 12 积分，兑换 5 积分。<br>还差 30 学分完成年度要求。" in html
    assert f'<a href="https://jifen.example.com/me/points/">{gettext("Open in Jifen")}</a>' in html
    assert smtp_server.envelopes[0].rcpt_tos == ["zhengyutong@example.com"]


def test_email_built_from_text_escapes_markup(mailoutbox):
    send_email(["a@example.com"], Message(title="<b>周报</b>", text="R&D <script>alert(1)</script>"))

    [sent] = mailoutbox
    html = sent.alternatives[0].content
    assert "<p>R&amp;D &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "<script>" not in html
    assert "&lt;b&gt;周报&lt;/b&gt;" in html


def test_email_given_html_is_sent_as_it_is(mailoutbox):
    send_email(
        ["a@example.com"], Message(title="月度报告", text="见附表", html="<p>月度<strong>报告</strong></p>")
    )

    [sent] = mailoutbox
    assert sent.alternatives[0].content == "<p>月度<strong>报告</strong></p>"
    assert sent.body.startswith("见附表")


def test_email_fixed_strings_follow_the_recipients_language(mailoutbox):
    send_email(["en@example.com"], NOTICE, language="en")
    send_email(["zh@example.com"], NOTICE)

    english, chinese = mailoutbox
    assert "Open in Jifen: https://jifen.example.com/me/points/" in english.body
    assert 'lang="en"' in english.alternatives[0].content
    with translation.override("zh-hans"):
        assert f"{gettext('Open in Jifen')}: https://jifen.example.com/me/points/" in chinese.body
    assert translation.get_language() != "en"  # the override did not leak


def test_a_mail_server_that_is_down_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2

    error = _refused(lambda: send_email(["a@example.com"], NOTICE))

    assert error.retryable


def test_a_mail_server_refusing_the_address_is_not_retried(smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 Mailbox unavailable"

    error = _refused(lambda: send_email(["left-the-company@example.com"], NOTICE))

    assert not error.retryable
    assert smtp_server.messages == []


def test_a_mail_server_deferring_the_message_is_retried(smtp_server):
    smtp_server.data_reply = "451 4.3.0 Try again later"

    error = _refused(lambda: send_email(["a@example.com"], NOTICE))

    assert error.retryable


def test_an_email_without_an_address_is_not_retried(mailoutbox):
    error = _refused(lambda: send_email(["", "  "], NOTICE))

    assert not error.retryable
    assert mailoutbox == []
