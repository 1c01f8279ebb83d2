"""Attendance endpoints: a session's attendance, batch marks, check-in with a scanned code, my attendance."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from jifen.catalog.models import Session
from jifen.core.errors import ApplicationError
from jifen.learning.attendance import selectors, services, tokens
from jifen.learning.attendance.models import Method
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access

router = Router(tags=["attendance"])
MAX_MARKS = 1000


class AttendanceOut(Schema):
    employee_no: str = Field(..., alias="person.employee_no")
    name: str = Field(..., alias="person.name")
    status: str
    reason: str
    method: str
    checked_in_at: dt.datetime | None
    event_key: str


class SessionAttendanceOut(Schema):
    session_id: int
    closed: bool
    counts: dict[str, int]
    items: list[AttendanceOut]


class MarkIn(Schema):
    employee_no: str = Field(..., max_length=32)
    status: str = Field(..., description="present, late, absent or excused")
    reason: str = Field("", max_length=500, description="The leave reason; needed for excused.")


class MarksIn(Schema):
    marks: list[MarkIn] = Field(..., max_length=MAX_MARKS)


class MarkErrorOut(Schema):
    item: int = Field(..., description="The mark's position in the list, from 1.")
    field: str
    message: str


class MarksOut(Schema):
    changes: int
    unchanged: int


class MarksRefused(Schema):
    type: str = "about:blank"
    title: str
    status: int = 400
    detail: str
    errors: list[MarkErrorOut]


class CheckInIn(Schema):
    session_id: int
    token: str = Field(..., max_length=400, description="The code's token: the last part of the scanned link.")


class CheckInOut(Schema):
    session_id: int
    status: str
    created: bool
    checked_in_at: dt.datetime | None


class MyAttendanceOut(Schema):
    session_id: int
    session: str = Field(..., alias="session.display_title")
    course: str = Field(..., alias="session.course.code")
    starts_at: dt.datetime = Field(..., alias="session.starts_at")
    status: str
    reason: str
    checked_in_at: dt.datetime | None


def _session(request, session_id: int) -> Session:
    access = get_access(request)
    access.require(Perm.SESSIONS_RUN)
    return get_object_or_404(selectors.runnable_sessions(access), pk=session_id)


@router.get("/attendance/sessions/{session_id}", response=SessionAttendanceOut)
def attendance_list(request, session_id: int):
    """A session's attendance records (for its trainer, or a training admin of its unit)."""
    session = _session(request, session_id)
    return {"session_id": session.pk, "closed": services.is_closed(session), "counts": selectors.counts(session),
            "items": list(selectors.session_attendance(session))}


@router.post("/attendance/sessions/{session_id}/marks", response={200: MarksOut, 400: MarksRefused})
def attendance_mark(request, session_id: int, payload: MarksIn):
    """Mark (or correct) many people at once: all the marks, or none when any is refused."""
    session = _session(request, session_id)
    lines = [services.MarkLine(employee_no=m.employee_no.strip(), status=m.status, reason=m.reason, row=i)
             for i, m in enumerate(payload.marks, start=1)]
    try:
        plan = services.mark_many(session=session, lines=lines, actor=request.user, method=Method.API)
    except services.MarksRejected as rejected:
        return Status(400, {"title": _("The request was refused."), "detail": str(rejected.message),
                     "errors": [{"item": e.row, "field": e.field, "message": e.message}
                                for e in rejected.plan.errors]})
    return {"changes": plan.changes, "unchanged": plan.unchanged}


@router.post("/attendance/check-in", response=CheckInOut)
def attendance_check_in(request, payload: CheckInIn):
    """Check in with a scanned code (the same rules as opening its link)."""
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied
    now = timezone.now()
    session = Session.objects.select_related("course").filter(pk=payload.session_id).first()
    scanned_at = None
    if session is not None:
        scanned_at = (tokens.check_token(session.pk, payload.token, now)
                      or tokens.check_grace(session.pk, payload.token, now))
    if scanned_at is None:
        raise ApplicationError(_("This code has expired. Scan the code on the screen again."), field="token",
                               code="expired")
    person = Person.objects.select_related("user").get(pk=access.person_id)
    result = services.check_in(session=session, person=person, scanned_at=scanned_at,
                               user_agent=request.headers.get("User-Agent", ""), now=now)
    record = result.attendance
    return {"session_id": session.pk, "status": record.status, "created": result.created,
            "checked_in_at": record.checked_in_at}


@router.get("/attendance/me", response=list[MyAttendanceOut])
def attendance_mine(request, limit: int = 100):
    """My attendance, newest session first (at most ``limit``, up to 500)."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.attendance_of(access.person_id)[: max(1, min(limit, 500))])
