"""Notification channels, delivery resends and background jobs over the API: what the system admins'
"notifications and jobs" pages do, with the same permission (``notify.manage``).

Channels are configuration (admin scope, ``notifications/channels`` in ADMIN_PATHS). A channel's secret
is never returned, and of its address only the host: a WeCom robot's address carries its key. Resending
a delivery and running a job now are operations (write scope)."""

import datetime as dt
from typing import Annotated, Literal

from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jifen.api.api import problem
from jifen.api.pagination import CursorPagination
from jifen.audit.registry import HIDDEN, hide
from jifen.core.errors import ApplicationError
from jifen.notify import services, tasks
from jifen.notify.channels import ChannelError
from jifen.notify.forms import ChannelForm
from jifen.notify.models import Channel, Delivery, DeliveryStatus, JobRun, JobStatus
from jifen.org.permissions import Perm, get_access

router = Router(tags=["notification operations"])

ChannelKindName = Literal["wecom", "dingtalk", "feishu", "webhook"]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
IN_USE = {"409": {"description": "The channel has messages in the delivery log: switch it off instead.",
                  "content": PROBLEM}}


def _require(request) -> None:
    get_access(request).require(Perm.NOTIFY_MANAGE)


def _refused(form) -> ApplicationError:
    """A form's first error as the API's refusal, naming the API's field."""
    field, errors = next(iter(form.errors.items()))
    names = {"__all__": None, "org_unit": "org_unit_id"}
    return ApplicationError(errors[0], field=names.get(field, field))


# ---------------------------------------------------------------- channels


class NotifyChannelOut(Schema):
    id: int
    kind: str
    name: str
    url: str = Field(..., description="Only the host: the full address may carry the robot's key.")
    secret: str = Field(..., description=f"{HIDDEN} when a secret is set, else empty: never the secret itself.")
    org_unit_id: int | None = Field(..., description="The department a robot serves (with its sub-units); "
                                                     "null: everyone.")
    org_unit: str | None
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_url(obj) -> str:
        return hide(obj.url)

    @staticmethod
    def resolve_secret(obj) -> str:
        return HIDDEN if obj.secret else ""

    @staticmethod
    def resolve_org_unit(obj) -> str | None:
        return obj.org_unit.name_path if obj.org_unit_id else None


class NotifyChannelIn(Schema):
    kind: ChannelKindName
    name: str = Field(..., min_length=1, max_length=100)
    url: str = Field(..., min_length=1, max_length=500, description="The robot's or webhook's address.")
    secret: str = Field("", max_length=200, description="DingTalk's and Feishu's signing secret, or the "
                                                        "webhook's HMAC key (needed for those kinds).")
    org_unit_id: Id | None = Field(None, description="A robot serves this department; null: everyone.")
    is_active: bool = True


class NotifyChannelPatch(Schema):
    kind: ChannelKindName | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500, description="Left out: the address is kept.")
    secret: str | None = Field(None, max_length=200, description="Left out: the secret is kept; \"\" removes it.")
    org_unit_id: Id | None = None
    is_active: bool | None = Field(None, description="false switches it off: nothing more goes out through it.")


class NotifyTestOut(Schema):
    sent: bool
    detail: str


def _save_channel(data: dict, instance: Channel | None) -> Channel:
    form = ChannelForm(data, instance=instance)
    if not form.is_valid():
        raise _refused(form)
    return form.save()


def _channels():
    return Channel.objects.select_related("org_unit")


@router.get("/notifications/channels", response=list[NotifyChannelOut],
            summary="Group robots and webhooks (secrets never shown)")
def channel_list(request):
    _require(request)
    return _channels().order_by("kind", "name", "pk")


@router.post("/notifications/channels", response={201: NotifyChannelOut}, summary="Add a group robot or webhook")
def channel_create(request, payload: NotifyChannelIn):
    _require(request)
    data = payload.dict()
    data["org_unit"] = data.pop("org_unit_id")
    return 201, _save_channel(data, None)


@router.patch("/notifications/channels/{channel_id}", response=NotifyChannelOut,
              summary="Change a channel, or switch it off")
def channel_update(request, channel_id: int, payload: NotifyChannelPatch):
    _require(request)
    channel = get_object_or_404(_channels(), pk=channel_id)
    changes = payload.dict(exclude_unset=True)
    for name in ("kind", "name", "url", "is_active"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # not nullable: null keeps them
    if "org_unit_id" in changes:
        changes["org_unit"] = changes.pop("org_unit_id")
    if changes.get("secret", "") is None:
        changes["secret"] = ""
    data = {**model_to_dict(channel, fields=list(ChannelForm._meta.fields)), **changes}
    return _save_channel(data, channel)


@router.delete("/notifications/channels/{channel_id}", response={204: None},
               summary="Delete a channel that never sent anything (else switch it off)",
               openapi_extra={"responses": IN_USE})
def channel_delete(request, channel_id: int):
    _require(request)
    channel = get_object_or_404(Channel, pk=channel_id)
    try:
        services.channel_delete(channel=channel)
    except ApplicationError as refused:
        return problem(request, 409, _("The request was refused."), str(refused.message), field="is_active")
    return 204, None


@router.post("/notifications/channels/{channel_id}/test", response=NotifyTestOut,
             summary="Send a test message now and say what the platform answered")
def channel_test(request, channel_id: int):
    """A refusal (wrong address or secret, server unreachable) is a 400 problem with the platform's answer."""
    _require(request)
    channel = get_object_or_404(Channel, pk=channel_id)
    try:
        services.send_test(channel)
    except ChannelError as error:
        raise ApplicationError(_("The test message was refused: %(error)s") % {"error": error}) from error
    return {"sent": True, "detail": _("Test message sent.")}


# ---------------------------------------------------------------- the delivery log


class NotifyDeliveryOut(Schema):
    id: int
    created_at: dt.datetime
    recipient: str | None = Field(..., description="The recipient's login; null for a webhook event.")
    address: str
    channel_kind: str
    channel_id: int | None
    channel: str | None
    title: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    sent_at: dt.datetime | None

    @staticmethod
    def resolve_recipient(obj) -> str | None:
        return obj.user.get_username() if obj.user_id else None

    @staticmethod
    def resolve_channel(obj) -> str | None:
        return obj.channel.name if obj.channel_id else None


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = Field(None, description="Only deliveries in this status.")


@router.get("/notifications/deliveries", response=list[NotifyDeliveryOut],
            summary="The delivery log: every message sent outside the app, newest first")
@paginate(CursorPagination)
def delivery_list(request, filters: Query[DeliveryFilter]):
    _require(request)
    found = Delivery.objects.select_related("user", "channel").order_by("-created_at", "-pk")
    return found.filter(status=filters.status) if filters.status else found


@router.post("/notifications/deliveries/{delivery_id}/resend", response=NotifyDeliveryOut,
             summary="Queue a delivery that was not sent to be sent again")
def delivery_resend(request, delivery_id: int):
    """A message already sent is refused (400)."""
    _require(request)
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    services.resend(delivery=delivery)
    tasks.deliver_soon()
    return Delivery.objects.select_related("user", "channel").get(pk=delivery.pk)


# ---------------------------------------------------------------- background jobs


class NotifyJobOut(Schema):
    name: str
    label: str
    schedule: str


class NotifyJobRunOut(Schema):
    id: int
    job: str
    key: str = Field(..., description="The period it ran for, e.g. weekly:2026-W48.")
    status: str
    attempts: int
    total: int
    done: int
    made: int
    percent: int
    error: str
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    finished_at: dt.datetime | None


class NotifyJobQueuedOut(Schema):
    job: str
    queued: bool


class JobRunFilter(Schema):
    job: str | None = Field(None, max_length=40, description="Only the runs of this job.")
    status: JobStatus | None = None


@router.get("/notifications/jobs", response=list[NotifyJobOut], summary="The background jobs and when they run")
def job_list(request):
    _require(request)
    return [{"name": name, "label": str(label), "schedule": str(tasks.schedule_label(when))}
            for name, (_run, label, when) in tasks.JOBS.items()]


@router.post("/notifications/jobs/{name}/run", response={202: NotifyJobQueuedOut},
             summary="Run a job now (its progress shows in the job runs)")
def job_run_now(request, name: str):
    """Each job runs once per period: running it again continues the period's run, making nothing twice."""
    _require(request)
    if name not in tasks.JOBS:
        raise Http404
    tasks.run_soon(name)
    return 202, {"job": name, "queued": True}


@router.get("/notifications/job-runs", response=list[NotifyJobRunOut], summary="Runs of the jobs, newest first")
@paginate(CursorPagination)
def job_run_list(request, filters: Query[JobRunFilter]):
    _require(request)
    found = JobRun.objects.order_by("-started_at", "-pk")
    if filters.job:
        found = found.filter(job=filters.job)
    if filters.status:
        found = found.filter(status=filters.status)
    return found


@router.get("/notifications/job-runs/{run_id}", response=NotifyJobRunOut, summary="One run's progress")
def job_run(request, run_id: int):
    _require(request)
    return get_object_or_404(JobRun, pk=run_id)
