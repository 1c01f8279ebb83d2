"""Attendance management over the API: make-up study, closing a session's attendance, importing a
session's attendance from a file. The same access (a trainer: the sessions they train; a training
admin: the sessions of units in their scope) and services as the roster and import pages. Day-to-day
operations: a write-scope token."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from jifen.catalog.models import Enrolment, Session
from jifen.learning.attendance import importing, selectors, services
from jifen.learning.attendance.models import MakeUp
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access

router = Router(tags=["attendance management"])

MAX_ERRORS_RETURNED = 1000


class AttendanceMakeUpIn(Schema):
    employee_no: str = Field(..., max_length=32, description="Someone enrolled who missed the session.")
    assignment: str = Field(..., max_length=300, description="What to study: a course code or the lesson's name.")
    due_on: dt.date


class AttendanceMakeUpOut(Schema):
    id: int
    session_id: int = Field(..., alias="attendance.session_id")
    employee_no: str = Field(..., alias="attendance.person.employee_no")
    name: str = Field(..., alias="attendance.person.name")
    attendance_status: str = Field(..., alias="attendance.status")
    assignment: str
    course: str | None = Field(None, description="The online course, when the assignment is a course code.")
    due_on: dt.date
    assigned_at: dt.datetime
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_course(obj):
        return obj.course.code if obj.course_id else None


class AttendanceClosureOut(Schema):
    session_id: int
    closed_at: dt.datetime
    marked_absent: int = Field(..., description="Enrolled people without a record, marked absent when it closed.")


class AttendanceImportErrorOut(Schema):
    row: int
    column: str
    field: str
    message: str


class AttendanceImportOut(Schema):
    dry_run: bool
    committed: bool
    lines: int
    changes: int
    unchanged: int
    error_rows: int
    errors: list[AttendanceImportErrorOut]


def _session(request, session_id: int) -> Session:
    access = get_access(request)
    access.require(Perm.SESSIONS_RUN)
    return get_object_or_404(selectors.runnable_sessions(access), pk=session_id)


def _plan_out(plan: services.MarkPlan, *, dry_run: bool) -> dict:
    return {"dry_run": dry_run, "committed": plan.committed, "lines": plan.lines, "changes": plan.changes,
            "unchanged": plan.unchanged, "error_rows": plan.error_rows,
            "errors": [{"row": e.row, "column": e.column, "field": e.field, "message": str(e.message)}
                       for e in plan.errors[:MAX_ERRORS_RETURNED]]}


@router.post("/attendance/sessions/{session_id}/makeups", response=AttendanceMakeUpOut)
def assign_attendance_makeup(request, session_id: int, payload: AttendanceMakeUpIn):
    """Replace a missed session (absent or excused) by online study, due on a day; assigning again
    changes what to study and when, until it is completed."""
    session = _session(request, session_id)
    person = get_object_or_404(Person.objects.select_related("user"), employee_no=payload.employee_no.strip(),
                               enrolments__session=session, enrolments__status=Enrolment.Status.ENROLLED)
    made = services.makeup_assign(session=session, person=person, assignment=payload.assignment,
                                  due_on=payload.due_on, actor=request.user)
    return MakeUp.objects.select_related("attendance__person", "course").get(pk=made.pk)


@router.post("/attendance/sessions/{session_id}/close", response=AttendanceClosureOut)
def close_session_attendance(request, session_id: int):
    """Once the session has started: everyone enrolled without a record is marked absent, and no more
    scans are taken. Closing again changes nothing."""
    session = _session(request, session_id)
    return services.close_attendance(session=session, actor=request.user)


@router.post("/attendance/sessions/{session_id}/import", response=AttendanceImportOut)
def import_session_attendance(request, session_id: int, file: File[UploadedFile], dry_run: bool = False):
    """A session's attendance from an .xlsx or .csv file (columns employee_no / 工号, status / 状态,
    reason / 原因), as on the import page: ``dry_run=true`` only checks it; otherwise every row is
    recorded or, when any row has errors, none (a 400 problem listing each row's errors)."""
    from jifen.api.api import problem

    session = _session(request, session_id)
    try:
        plan = importing.import_upload(session=session, upload=file, check_only=dry_run, actor=request.user)
    except services.MarksRejected as rejected:
        body = _plan_out(rejected.plan, dry_run=False)
        return problem(request, 400, _("The request was refused."), str(rejected.message), field="file",
                       errors=body["errors"])
    return _plan_out(plan, dry_run=dry_run)
