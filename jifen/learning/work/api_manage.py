"""Homework for trainers and training admins over the API: set an assignment, close it, list its
submissions and grade them, with the same access and services as the pages (a trainer: the sessions
they train; a training admin: the sessions of units in their scope; course-wide homework: whole-
organisation admins). Day-to-day operations: a write-scope token."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.learning.work import selectors, services
from jifen.learning.work.models import Submission
from jifen.org.permissions import Perm, get_access

router = Router(tags=["assignments"])

MAX_ID = 2_147_483_647


class HomeworkAssignmentIn(Schema):
    session_id: int | None = Field(None, ge=1, le=MAX_ID, description="The session (one you run).")
    course_id: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "Or, whole-organisation admins only, every session of a course (leave session_id empty)."))
    title: str = Field(..., max_length=200)
    instructions: str = Field("", max_length=services.TEXT_MAX)
    due_at: dt.datetime = Field(..., description="Hand-ins after this moment (server clock) are late. Without "
                                                 "an offset: the server's time zone.")


class HomeworkAssignmentOut(Schema):
    id: int
    title: str
    instructions: str
    course: str = Field(..., alias="course.code")
    session_id: int | None
    due_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None
    handed_in: int
    flagged: int = Field(..., description="Submissions identical to another one.")


class HomeworkAssignmentDetailOut(HomeworkAssignmentOut):
    missing: int = Field(..., description="Enrolled learners who have handed nothing in.")


class HomeworkCloseOut(Schema):
    missing_recorded: int = Field(..., description="Missing homework recorded now (0 when it was closed before).")
    assignment: HomeworkAssignmentDetailOut


class HomeworkSubmissionOut(Schema):
    id: int
    assignment_id: int
    employee_no: str = Field(..., alias="person.employee_no")
    name: str = Field(..., alias="person.name")
    text: str
    file_name: str
    first_submitted_at: dt.datetime
    submitted_at: dt.datetime
    on_time: bool
    revisions: int
    status: str
    flagged: bool
    score: float | None
    comment: str
    graded_at: dt.datetime | None


class HomeworkGradeIn(Schema):
    score: Decimal = Field(..., ge=0, le=100, max_digits=4, decimal_places=1)
    comment: str = Field("", max_length=services.NOTE_MAX)


def _access(request):
    access = get_access(request)
    access.require_any(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
    return access


def _managed(access):
    return selectors.assignments_managed(access).annotate(
        handed_in=Count("submissions", distinct=True),
        flagged=Count("submissions", filter=Q(submissions__flagged=True), distinct=True),
    )


def _detail(access, pk: int):
    found = _managed(access).filter(pk=pk).first()
    if found is None:
        raise Http404
    found.missing = selectors.missing_count(found)
    return found


@router.get("/assignments", response=list[HomeworkAssignmentOut])
@paginate(CursorPagination)
def list_managed_assignments(request):
    """Homework of the sessions the caller runs, latest due first."""
    return _managed(_access(request))


@router.post("/assignments", response={201: HomeworkAssignmentDetailOut})
def create_assignment(request, payload: HomeworkAssignmentIn):
    """Set homework for a session the caller runs (or, whole-organisation admins, for a whole course)."""
    access = _access(request)
    session = course = None
    if payload.session_id is not None:
        session = get_object_or_404(selectors.sessions_run_by(access).select_related("course"),
                                    pk=payload.session_id)
    elif payload.course_id is not None:
        if not access.scope(Perm.CATALOG_MANAGE).everything:
            raise ApplicationError(_("Only a whole-organisation admin sets homework for a whole course: choose "
                                     "the session."), field="session_id")
        course = get_object_or_404(Course.objects.filter(is_active=True), pk=payload.course_id)
    due_at = payload.due_at
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    created = services.assignment_create(created_by=request.user, session=session, course=course,
                                         title=payload.title, instructions=payload.instructions, due_at=due_at)
    return Status(201, _detail(access, created.pk))


@router.get("/assignments/{assignment_id}", response=HomeworkAssignmentDetailOut)
def get_managed_assignment(request, assignment_id: int):
    return _detail(_access(request), assignment_id)


@router.post("/assignments/{assignment_id}/close", response=HomeworkCloseOut)
def close_assignment(request, assignment_id: int):
    """After the due date: record missing homework for every enrolled learner who handed nothing in, and
    take no more hand-ins. Closing again records nothing more."""
    access = _access(request)
    found = _detail(access, assignment_id)
    recorded = services.assignment_close(assignment=found, actor=request.user)
    return {"missing_recorded": recorded, "assignment": _detail(access, found.pk)}


@router.get("/assignments/{assignment_id}/submissions", response=list[HomeworkSubmissionOut])
@paginate(CursorPagination)
def list_assignment_submissions(request, assignment_id: int):
    """The hand-ins of an assignment the caller manages: those identical to another first, then by name."""
    found = get_object_or_404(selectors.assignments_managed(_access(request)), pk=assignment_id)
    return selectors.submissions_of(found)


@router.post("/submissions/{submission_id}/grade", response=HomeworkSubmissionOut)
def grade_submission(request, submission_id: int, payload: HomeworkGradeIn):
    """Score (0–100, one decimal) and comment; grading again changes the grade. Not one's own homework."""
    access = _access(request)
    found = get_object_or_404(
        Submission.objects.select_related("assignment", "person")
        .filter(assignment__in=selectors.assignments_managed(access).values("pk")), pk=submission_id)
    services.submission_grade(submission=found, grader=request.user, score=payload.score, comment=payload.comment)
    return Submission.objects.select_related("person").get(pk=found.pk)
