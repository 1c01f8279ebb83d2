"""A system admin sets up group robots and webhooks, follows the delivery log and runs background jobs
over the API, as on the "notifications and jobs" pages: secrets never come back, a test message says
what the platform answered, a failed message is sent again, a job runs now once per period."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.notify.models import Channel, Delivery, DeliveryStatus, JobRun, JobStatus
from jifen.notify.tests.receivers import WebhookConsumer
from jifen.org.models import Role

ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-secret-key"


@pytest.fixture
def admin(org):
    return org.person(no="SYS-01", name="系统管理员", unit=org.root, role=Role.SYSTEM_ADMIN)


@pytest.fixture
def hook(db):
    return Channel.objects.create(kind="webhook", name="HR 系统", url="http://127.0.0.1:9/hook", secret="s3cret")


def failed_delivery(channel, key="failed-1", status=DeliveryStatus.FAILED):
    return Delivery.objects.create(key=key, channel_kind=channel.kind, channel=channel, title="消息", body="内容",
                                   status=status, attempts=6, last_error="connection refused")


def test_an_admin_adds_a_robot_the_channels_page_lists_and_its_key_never_comes_back(client, org, admin):
    client.force_login(admin.user)
    response = send(client, "post", "/notifications/channels", {
        "kind": "wecom", "name": "平台组群", "url": ROBOT, "org_unit_id": org.platform.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == "https://qyapi.weixin.qq.com/••••••" and body["secret"] == ""
    assert body["org_unit"] == "总部/研发中心/平台组"
    channel = Channel.objects.get(pk=body["id"])
    assert (channel.url, channel.org_unit) == (ROBOT, org.platform)
    assert "平台组群" in client.get(reverse("notify:channels")).content.decode()
    listed = send(client, "get", "/notifications/channels").content.decode()
    assert "693a91f6" not in listed and "secret-key" not in listed


def test_a_signed_robot_without_its_secret_is_refused_as_on_the_page(client, admin):
    client.force_login(admin.user)
    body = is_problem(send(client, "post", "/notifications/channels",
                           {"kind": "dingtalk", "name": "研发群", "url": "https://oapi.dingtalk.com/robot/send"}), 400)
    assert body["field"] == "secret"
    assert body["detail"] == gettext("This kind of channel signs its messages: give its secret.")
    assert not Channel.objects.exists()


def test_editing_a_channel_keeps_the_secret_and_address_that_were_left_out(client, admin, hook):
    client.force_login(admin.user)
    response = send(client, "patch", f"/notifications/channels/{hook.pk}", {"name": "人事系统", "is_active": False})
    assert response.status_code == 200, response.content
    assert response.json()["secret"] == "••••••" and "s3cret" not in response.content.decode()
    hook.refresh_from_db()
    assert (hook.name, hook.is_active, hook.secret, hook.url) == ("人事系统", False, "s3cret", "http://127.0.0.1:9/hook")
    body = is_problem(send(client, "patch", f"/notifications/channels/{hook.pk}", {"secret": ""}), 400)
    assert body["field"] == "secret"  # a webhook signs its events: its secret cannot be removed
    assert Channel.objects.get(pk=hook.pk).secret == "s3cret"


def test_a_channel_that_sent_messages_is_switched_off_not_deleted(client, admin, hook):
    unused = Channel.objects.create(kind="wecom", name="旧群", url=ROBOT)
    failed_delivery(hook)
    client.force_login(admin.user)
    assert send(client, "delete", f"/notifications/channels/{unused.pk}").status_code == 204
    assert not Channel.objects.filter(pk=unused.pk).exists()
    body = is_problem(send(client, "delete", f"/notifications/channels/{hook.pk}"), 409)
    assert body["detail"] == gettext("This channel has messages in the delivery log: switch it off instead.")
    assert Channel.objects.filter(pk=hook.pk).exists() and Delivery.objects.filter(channel=hook).exists()


def test_a_test_message_reaches_the_webhook_or_the_refusal_says_why(client, admin, hook):
    client.force_login(admin.user)
    with WebhookConsumer() as consumer:
        channel = Channel.objects.create(kind="webhook", name="OA", url=consumer.url, secret=consumer.secret)
        response = send(client, "post", f"/notifications/channels/{channel.pk}/test")
    assert response.status_code == 200, response.content
    assert response.json() == {"sent": True, "detail": gettext("Test message sent.")}
    [received] = consumer.accepted  # the consumer checked the signature
    assert received.headers["x-jifen-event"] == "test"
    refused = is_problem(send(client, "post", f"/notifications/channels/{hook.pk}/test"), 400)
    assert refused["detail"].startswith(gettext("The test message was refused: %(error)s").split("%")[0])


def test_the_delivery_log_comes_a_page_at_a_time_and_filters_by_status(client, admin, hook):
    for n in range(3):
        failed_delivery(hook, key=f"f{n}")
    failed_delivery(hook, key="sent", status=DeliveryStatus.SENT)
    client.force_login(admin.user)
    first = send(client, "get", "/notifications/deliveries?status=failed&limit=2").json()
    assert first["count"] == 3 and len(first["items"]) == 2 and first["next"]
    assert first["items"][0]["channel"] == "HR 系统" and first["items"][0]["last_error"] == "connection refused"
    rest = send(client, "get", f"/notifications/deliveries?status=failed&limit=2&cursor={first['next']}").json()
    assert [d["status"] for d in rest["items"]] == ["failed"] and rest["next"] is None


def test_a_failed_message_is_sent_again_and_a_sent_one_is_refused(client, admin):
    client.force_login(admin.user)
    with WebhookConsumer() as consumer:
        channel = Channel.objects.create(kind="webhook", name="OA", url=consumer.url, secret=consumer.secret)
        failed = failed_delivery(channel)
        response = send(client, "post", f"/notifications/deliveries/{failed.pk}/resend")
    assert response.status_code == 200, response.content
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT and response.json()["id"] == failed.pk
    assert len(consumer.accepted) == 1
    body = is_problem(send(client, "post", f"/notifications/deliveries/{failed.pk}/resend"), 400)
    assert body["detail"] == gettext("This message was sent already.")


def test_an_admin_runs_a_job_now_and_follows_its_run(client, admin):
    client.force_login(admin.user)
    jobs = {job["name"]: job for job in send(client, "get", "/notifications/jobs").json()}
    assert {"expiry", "weekly", "digests"} <= set(jobs) and jobs["weekly"]["label"]
    response = send(client, "post", "/notifications/jobs/expiry/run")
    assert response.status_code == 202 and response.json() == {"job": "expiry", "queued": True}
    run = JobRun.objects.get(job="expiry")
    assert run.status == JobStatus.DONE
    assert send(client, "post", "/notifications/jobs/expiry/run").status_code == 202
    assert JobRun.objects.filter(job="expiry").count() == 1  # once per period
    runs = send(client, "get", "/notifications/job-runs?job=expiry").json()
    assert [r["key"] for r in runs["items"]] == [run.key]
    assert send(client, "get", f"/notifications/job-runs/{run.pk}").json()["status"] == "done"
    is_problem(send(client, "post", "/notifications/jobs/no-such-job/run"), 404)


def test_only_those_who_run_notifications_reach_channels_deliveries_and_jobs(client, org, hook):
    training_admin = org.person(role=Role.TRAINING_ADMIN)
    client.force_login(training_admin.user)
    failed = failed_delivery(hook)
    for method, path in (("get", "/notifications/channels"), ("post", f"/notifications/channels/{hook.pk}/test"),
                         ("delete", f"/notifications/channels/{hook.pk}"), ("get", "/notifications/deliveries"),
                         ("post", f"/notifications/deliveries/{failed.pk}/resend"),
                         ("post", "/notifications/jobs/expiry/run"), ("get", "/notifications/job-runs")):
        is_problem(send(client, method, path), 403)
    assert Channel.objects.filter(pk=hook.pk).exists() and not JobRun.objects.exists()
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED


def test_channels_need_an_admin_token_and_resends_and_jobs_a_write_token(client, admin, hook):
    failed = failed_delivery(hook)
    write = bearer(admin.user, "write")
    body = is_problem(send(client, "post", "/notifications/channels",
                           {"kind": "wecom", "name": "群", "url": ROBOT}, **write), 403)
    assert body["required_scope"] == "admin"
    assert is_problem(send(client, "post", f"/notifications/channels/{hook.pk}/test", **write), 403)[
        "required_scope"] == "admin"
    assert send(client, "get", "/notifications/channels", **bearer(admin.user, "read")).status_code == 200
    read = bearer(admin.user, "read")
    assert is_problem(send(client, "post", "/notifications/jobs/expiry/run", **read), 403)["required_scope"] == "write"
    assert send(client, "post", "/notifications/jobs/expiry/run", **write).status_code == 202
    assert send(client, "post", f"/notifications/deliveries/{failed.pk}/resend", **write).status_code == 200


def test_a_run_started_long_ago_shows_its_progress(client, admin):
    run = JobRun.objects.create(job="weekly", key="weekly:2026-W01", total=10, done=4,
                                started_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    client.force_login(admin.user)
    body = send(client, "get", f"/notifications/job-runs/{run.pk}").json()
    assert (body["percent"], body["status"], body["finished_at"]) == (40, "running", None)
