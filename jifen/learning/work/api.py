"""Homework, self-study claims and contributions over the API: the same access and services as the
pages. Uploads are multipart (fields as form fields, the file as ``file``)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.learning.work import selectors, services
from jifen.learning.work.models import ClaimKind, Contribution, ContributionKind, Review, SelfStudyClaim
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access

router = Router(tags=["work"])


class MySubmissionOut(Schema):
    id: int
    status: str
    on_time: bool
    first_submitted_at: dt.datetime
    submitted_at: dt.datetime
    revisions: int
    score: float | None
    comment: str
    file_name: str


class AssignmentOut(Schema):
    id: int
    title: str
    instructions: str
    course: str = Field(..., alias="course.code")
    session_id: int | None
    due_at: dt.datetime
    closed_at: dt.datetime | None
    submission: MySubmissionOut | None = None


class SubmissionIn(Schema):
    text: str = ""


class PersonBrief(Schema):
    employee_no: str
    name: str


class ClaimOut(Schema):
    id: int
    person: PersonBrief
    kind: str
    title: str
    provider: str
    completed_on: dt.date
    hours: float
    credits_requested: float
    points_requested: float
    evidence_name: str
    submitted_at: dt.datetime
    status: str
    credits_approved: float | None
    points_approved: float | None
    reviewed_at: dt.datetime | None
    decision_note: str


class ClaimIn(Schema):
    kind: ClaimKind = ClaimKind.COURSE
    title: str
    provider: str
    completed_on: dt.date
    hours: Decimal
    credits_requested: Decimal
    points_requested: Decimal


class ContributionOut(Schema):
    id: int
    person: PersonBrief
    kind: str
    title: str
    description: str
    evidence_name: str
    submitted_at: dt.datetime
    status: str
    reviewed_at: dt.datetime | None
    decision_note: str


class ContributionIn(Schema):
    kind: ContributionKind
    title: str
    description: str


class ClaimApproveIn(Schema):
    credits: Decimal = Field(..., ge=0, le=1_000_000)
    points: Decimal = Field(..., ge=0, le=1_000_000_000)
    note: str = ""


class ApproveIn(Schema):
    note: str = ""


class RejectIn(Schema):
    note: str = Field(..., description="The reason; the learner reads it.")


class ReviewFilter(Schema):
    status: Review | Literal["all"] = Field(Review.PENDING, description="pending (the default), approved, "
                                                                         "rejected, or all")


def _person(request) -> Person:
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # taking part needs a person record
    return Person.objects.get(pk=access.person_id)


# ---------------------------------------------------------------- homework


def _with_submission(assignment):
    assignment.submission = assignment.mine[0] if assignment.mine else None
    return assignment


@router.get("/assignments/mine", response=list[AssignmentOut])
def my_assignments(request):
    """The caller's homework (of the sessions they are enrolled in), with their submission and grade."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return [_with_submission(a) for a in selectors.assignments_of_learner(access.person_id)[:200]]


@router.post("/assignments/{assignment_id}/submission", response={201: AssignmentOut})
def submit_homework(request, assignment_id: int, payload: Form[SubmissionIn], file: File[UploadedFile | None] = None):
    """Hand in (or, until graded, change) homework: text and/or one file. On time or late is decided
    by the server clock at the first hand-in."""
    person = _person(request)
    assignment = selectors.assignments_of_learner(person.pk).filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404
    services.submission_submit(assignment=assignment, person=person, text=payload.text, file=file)
    return Status(201, _with_submission(selectors.assignments_of_learner(person.pk).get(pk=assignment_id)))


# ---------------------------------------------------------------- self-study claims


@router.get("/claims/mine", response=list[ClaimOut])
def my_claims(request):
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.claims_of(access.person_id)[:200])


@router.post("/claims", response={201: ClaimOut})
def create_claim(request, payload: Form[ClaimIn], file: File[UploadedFile]):
    """Claim an external course or certificate, with its evidence as ``file``. The same file twice
    (by anyone) is refused."""
    person = _person(request)
    created = services.claim_create(person=person, evidence=file, **payload.dict())
    return Status(201, selectors.claims_of(person.pk).get(pk=created.pk))


@router.get("/claims", response=list[ClaimOut])
@paginate(CursorPagination)
def list_claims(request, filters: Query[ReviewFilter]):
    """Claims to review, of people in the caller's scope: pending ones (oldest first) unless asked."""
    access = get_access(request)
    access.require(Perm.LEARNING_REVIEW)
    return selectors.claims_to_review(access, "" if filters.status == "all" else filters.status)


def _to_review(request, model, pk: int):
    access = get_access(request)
    access.require(Perm.LEARNING_REVIEW)
    queue = selectors.claims_to_review if model is SelfStudyClaim else selectors.contributions_to_review
    found = queue(access, "").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found, access.people(Perm.LEARNING_REVIEW)


@router.post("/claims/{claim_id}/approve", response=ClaimOut)
def approve_claim(request, claim_id: int, payload: ClaimApproveIn):
    """Approve with the credits and points granted (at most those asked for and the rules' bounds)."""
    found, people = _to_review(request, SelfStudyClaim, claim_id)
    services.claim_approve(claim=found, reviewer=request.user, credits=payload.credits, points=payload.points,
                           note=payload.note, people=people)
    return selectors.claims_of(found.person_id).get(pk=found.pk)


@router.post("/claims/{claim_id}/reject", response=ClaimOut)
def reject_claim(request, claim_id: int, payload: RejectIn):
    found, people = _to_review(request, SelfStudyClaim, claim_id)
    services.claim_reject(claim=found, reviewer=request.user, note=payload.note, people=people)
    return selectors.claims_of(found.person_id).get(pk=found.pk)


# ---------------------------------------------------------------- knowledge contributions


@router.get("/contributions/mine", response=list[ContributionOut])
def my_contributions(request):
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.contributions_of(access.person_id)[:200])


@router.post("/contributions", response={201: ContributionOut})
def create_contribution(request, payload: Form[ContributionIn], file: File[UploadedFile]):
    """Report a contribution (taught as a trainer, wrote a case, developed a course, shared experience)
    with its material as ``file``, for review."""
    person = _person(request)
    created = services.contribution_create(person=person, evidence=file, **payload.dict())
    return Status(201, selectors.contributions_of(person.pk).get(pk=created.pk))


@router.get("/contributions", response=list[ContributionOut])
@paginate(CursorPagination)
def list_contributions(request, filters: Query[ReviewFilter]):
    access = get_access(request)
    access.require(Perm.LEARNING_REVIEW)
    return selectors.contributions_to_review(access, "" if filters.status == "all" else filters.status)


@router.post("/contributions/{contribution_id}/approve", response=ContributionOut)
def approve_contribution(request, contribution_id: int, payload: ApproveIn):
    found, people = _to_review(request, Contribution, contribution_id)
    services.contribution_approve(contribution=found, reviewer=request.user, note=payload.note, people=people)
    return selectors.contributions_of(found.person_id).get(pk=found.pk)


@router.post("/contributions/{contribution_id}/reject", response=ContributionOut)
def reject_contribution(request, contribution_id: int, payload: RejectIn):
    found, people = _to_review(request, Contribution, contribution_id)
    services.contribution_reject(contribution=found, reviewer=request.user, note=payload.note, people=people)
    return selectors.contributions_of(found.person_id).get(pk=found.pk)
