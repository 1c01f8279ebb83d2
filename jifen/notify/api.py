"""The inbox and notification preferences over the API (one's own only)."""

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import field_validator

from jifen.api.pagination import CursorPagination
from jifen.notify import selectors, services
from jifen.notify.models import Kind

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxFilter(Schema):
    unread: bool = Field(False, description="Only the unread ones")


class NotificationMarkIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        None, description="The notifications to mark; leave out to mark all of them")
    read: bool = True


class MarkOut(Schema):
    marked: int
    unread: int


class UnreadOut(Schema):
    unread: int


class PreferenceIO(Schema):
    mode: Literal["digest", "immediate"]
    email: bool
    robots: bool
    quiet_start: dt.time
    quiet_end: dt.time
    muted_kinds: list[Literal[tuple(k for k in Kind.values if k != Kind.OTHER)]] = []  # type: ignore[misc]

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _local_time(cls, value: dt.time) -> dt.time:
        return value.replace(tzinfo=None)  # a time of day in the site's zone; "09:00+08:00" is 09:00


@router.get("/notifications", response=list[NotificationOut])
@paginate(CursorPagination)
def list_notifications(request, filters: Query[InboxFilter]):
    """My inbox, newest first."""
    return selectors.inbox(request.user, unread=filters.unread)


@router.get("/notifications/unread-count", response=UnreadOut)
def unread_count(request):
    """How many of my notifications are unread (for an app's badge)."""
    return {"unread": services.unread_count(request.user)}


@router.post("/notifications/mark", response=MarkOut)
def mark(request, payload: NotificationMarkIn):
    """Mark some (or all) of my notifications read or unread."""
    if payload.ids is not None and not selectors.inbox(request.user).filter(pk__in=payload.ids).exists():
        raise Http404
    marked = services.mark_read(user=request.user, pks=payload.ids, read=payload.read)
    return {"marked": marked, "unread": services.unread_count(request.user)}


def _preference_out(preference) -> dict:
    return {"mode": preference.mode, "email": preference.email, "robots": preference.robots,
            "quiet_start": preference.quiet_start, "quiet_end": preference.quiet_end,
            "muted_kinds": list(preference.muted_kinds)}


@router.get("/notifications/preferences", response=PreferenceIO)
def get_preferences(request):
    return _preference_out(services.preference_of(request.user))


@router.put("/notifications/preferences", response=PreferenceIO)
def put_preferences(request, payload: PreferenceIO):
    """How I want to hear from Jifen outside the app: a daily digest (the default) or each message, by
    e-mail and / or my team's group chat, and my quiet hours."""
    return _preference_out(services.preference_save(user=request.user, **payload.dict()))
