"""Manual adjustments (maker-checker) and appeals over the API: the same services, scope and
refusals as the pages. Out of scope is 404; a refused write is a 400 problem with the reason."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.ledger import adjustment_file, adjustments, appeals, selectors
from jifen.ledger.models import AdjustmentStatus, Appeal, AppealResolution, AppealStatus, CreditType, Currency
from jifen.org import importing
from jifen.org.permissions import Perm, get_access

router = Router(tags=["adjustments and appeals"])

MAX_JSON_LINES = 1000
MAX_ERRORS_RETURNED = 1000


def _user(user) -> str | None:
    return user.username if user is not None else None


# ---------------------------------------------------------------- schemas


class AdjustmentLineIn(Schema):
    employee_no: str = Field(..., max_length=32)
    currency: Currency
    amount: Decimal = Field(..., description="Signed: positive adds, negative deducts; at most two decimals.")
    reason: str = Field("", max_length=adjustments.REASON_MAX, description="Empty: the adjustment's reason.")
    credit_type: CreditType | None = Field(None, description="Credits only.")


class AdjustmentIn(Schema):
    reason: str = Field(..., max_length=adjustments.REASON_MAX)
    lines: list[AdjustmentLineIn] = Field(..., min_length=1, max_length=MAX_JSON_LINES)


class AdjustmentLineOut(Schema):
    id: int
    row: int | None
    employee_no: str = Field(..., alias="person.employee_no")
    name: str = Field(..., alias="person.name")
    currency: str
    amount: float
    reason: str
    credit_type: str
    entry_id: int | None


class AdjustmentSummaryOut(Schema):
    id: int
    status: str
    reason: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    source_filename: str
    evidence_name: str
    line_count: int
    points_total: float
    credits_total: float

    @staticmethod
    def resolve_proposed_by(obj):
        return _user(obj.proposed_by)

    @staticmethod
    def resolve_decided_by(obj):
        return _user(obj.decided_by)

    @staticmethod
    def resolve_points_total(obj):
        return float(obj.points_total or 0)

    @staticmethod
    def resolve_credits_total(obj):
        return float(obj.credits_total or 0)


class AdjustmentOut(AdjustmentSummaryOut):
    lines: list[AdjustmentLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("person").order_by("pk"))


class DecisionIn(Schema):
    note: str = Field("", max_length=adjustments.REASON_MAX)


class RejectionIn(Schema):
    note: str = Field(..., max_length=adjustments.REASON_MAX)


class RowErrorOut(Schema):
    row: int
    column: str
    field: str
    message: str


class TotalOut(Schema):
    currency: str
    lines: int
    added: float
    deducted: float


class AdjustmentFileOut(Schema):
    file_name: str
    dry_run: bool
    adjustment_id: int | None
    rows: int
    lines: int
    people: int
    totals: list[TotalOut]
    error_rows: int
    error_count: int
    errors: list[RowErrorOut]
    ignored_columns: list[str]


class AppealIn(Schema):
    reason: str = Field(..., max_length=appeals.TEXT_MAX)


class AppealOut(Schema):
    id: int
    entry_id: int
    employee_no: str = Field(..., alias="person.employee_no")
    currency: str = Field(..., alias="entry.account.currency")
    entry_amount: float = Field(..., alias="entry.amount")
    entry_reason: str = Field(..., alias="entry.reason")
    reason: str
    status: str
    raised_at: dt.datetime
    reviewed_at: dt.datetime | None
    reply: str
    resolution: str
    resolution_entry_id: int | None
    resolution_amount: float | None

    @staticmethod
    def resolve_resolution_amount(obj):
        return float(obj.resolution_entry.amount) if obj.resolution_entry_id else None


class AppealAcceptIn(Schema):
    resolution: AppealResolution
    reply: str = Field(..., max_length=appeals.TEXT_MAX)
    amount: Decimal | None = Field(None, description="For an extra award: how much, in the entry's currency.")


class AppealRejectIn(Schema):
    reply: str = Field(..., max_length=appeals.TEXT_MAX)


class AdjustmentFilter(Schema):
    status: AdjustmentStatus | None = None


class AppealFilter(Schema):
    status: AppealStatus | Literal["all"] = Field(AppealStatus.OPEN, description="open (the default), accepted, "
                                                                                "rejected, or all")


# ---------------------------------------------------------------- adjustments


def _summary(access, pk: int):
    found = selectors.adjustment_list(access=access).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.get("/adjustments", response=list[AdjustmentSummaryOut])
@paginate(CursorPagination)
def list_adjustments(request, filters: Query[AdjustmentFilter]):
    """Adjustments the caller proposed or may see: a proposer's own and those inside their scope,
    an approver's inside theirs. Newest first."""
    access = get_access(request)
    access.require_any(Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)
    return selectors.adjustment_list(access=access, status=filters.status or "")


@router.post("/adjustments", response={201: AdjustmentOut})
def create_adjustment(request, payload: AdjustmentIn):
    """Propose adjustments (one line or many, one batch). Nothing posts until someone else approves."""
    access = get_access(request)
    access.require(Perm.LEDGER_ADJUST)
    people = access.people(Perm.LEDGER_ADJUST)
    numbers = {line.employee_no.strip() for line in payload.lines}
    found = {person.employee_no: person for person in people.filter(employee_no__in=numbers)}
    drafts = []
    for index, line in enumerate(payload.lines, start=1):
        person = found.get(line.employee_no.strip())
        if person is None:
            from jifen.api.api import problem

            return problem(request, 404, _("Not found."),
                           _("Line %(line)d: no one with this number is among the people you may adjust.")
                           % {"line": index})
        drafts.append(adjustments.LineDraft(person=person, currency=line.currency, amount=line.amount,
                                            reason=line.reason, credit_type=line.credit_type or "", row=None))
    batch = adjustments.adjustment_propose(proposed_by=request.user, lines=drafts, reason=payload.reason,
                                          people=people)
    return 201, _summary(access, batch.pk)


@router.post("/adjustments/file", response={200: AdjustmentFileOut})
def adjustment_file_upload(request, file: File[UploadedFile], reason: Form[str] = "",
                           evidence: File[UploadedFile | None] = None, dry_run: bool = True):
    """Check (``dry_run=true``, the default) or propose a bulk adjustment file (.xlsx or .csv) as one
    batch. Columns: employee_no, currency, amount, reason, credit_type (optional); Chinese names are
    accepted. Each row error names its row, column and reason. Proposing (``dry_run=false``, with a
    ``reason`` and optionally an ``evidence`` file) with row errors proposes nothing and answers 422
    with the same fields; an unreadable file is a 400."""
    access = get_access(request)
    access.require(Perm.LEDGER_ADJUST)
    people = access.people(Perm.LEDGER_ADJUST)
    table = adjustment_file.read_file(importing.read_upload(file), file.name or "")
    if dry_run:
        result = adjustment_file.plan(table, people=people, proposer=request.user)
        return {"dry_run": True, **result.as_dict(max_errors=MAX_ERRORS_RETURNED)}
    try:
        result = adjustment_file.propose(table, proposed_by=request.user, reason=reason, people=people,
                                         evidence=evidence)
    except adjustment_file.AdjustmentFileRejected as rejected:
        from jifen.api.api import problem

        return problem(request, 422, _("The file was refused."), str(rejected.message), dry_run=False,
                       **rejected.plan.as_dict(max_errors=MAX_ERRORS_RETURNED))
    return {"dry_run": False, **result.as_dict(max_errors=MAX_ERRORS_RETURNED)}


@router.get("/adjustments/{adjustment_id}", response=AdjustmentOut)
def get_adjustment(request, adjustment_id: int):
    access = get_access(request)
    access.require_any(Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)
    return _summary(access, adjustment_id)


def _to_decide(access, pk: int):
    found = selectors.adjustments_to_decide(access=access).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.post("/adjustments/{adjustment_id}/approve", response=AdjustmentOut)
def approve_adjustment(request, adjustment_id: int, payload: DecisionIn):
    """Approve and post every line at once. Not by the proposer; approving again is harmless."""
    access = get_access(request)
    access.require(Perm.LEDGER_APPROVE)
    batch = _to_decide(access, adjustment_id)
    adjustments.adjustment_approve(batch=batch, approver=request.user, note=payload.note,
                                   people=access.people(Perm.LEDGER_APPROVE))
    return _summary(access, batch.pk)


@router.post("/adjustments/{adjustment_id}/reject", response=AdjustmentOut)
def reject_adjustment(request, adjustment_id: int, payload: RejectionIn):
    """Reject with a note for the proposer. Posts nothing."""
    access = get_access(request)
    access.require(Perm.LEDGER_APPROVE)
    batch = _to_decide(access, adjustment_id)
    adjustments.adjustment_reject(batch=batch, approver=request.user, note=payload.note,
                                  people=access.people(Perm.LEDGER_APPROVE))
    return _summary(access, batch.pk)


# ---------------------------------------------------------------- appeals


def _appeal(pk: int):
    return Appeal.objects.select_related("person", "entry__account", "resolution_entry").get(pk=pk)


@router.post("/entries/{entry_id}/appeals", response={201: AppealOut})
def create_appeal(request, entry_id: int, payload: AppealIn):
    """Appeal an entry of one's own points or credits, with a reason."""
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied
    entry = selectors.own_entry(person_id=access.person_id, pk=entry_id)
    if entry is None:
        raise Http404
    created = appeals.appeal_create(entry=entry, raised_by=request.user, reason=payload.reason)
    return 201, _appeal(created.pk)


@router.get("/appeals/mine", response=list[AppealOut])
def my_appeals(request):
    """The caller's own appeals, newest first, with each outcome and reply."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.appeals_of(person_id=access.person_id).select_related("person"))


@router.get("/appeals", response=list[AppealOut])
@paginate(CursorPagination)
def list_appeals(request, filters: Query[AppealFilter]):
    """Appeals to review, of people in the caller's scope: open ones (oldest first) unless asked."""
    access = get_access(request)
    access.require(Perm.APPEALS_REVIEW)
    status = "" if filters.status == "all" else filters.status
    return selectors.appeals_to_review(access=access, status=status).select_related("resolution_entry")


@router.get("/appeals/{appeal_id}", response=AppealOut)
def get_appeal(request, appeal_id: int):
    access = get_access(request)
    found = selectors.appeal_visible(access=access, pk=appeal_id)
    if found is None:
        access.require(Perm.APPEALS_REVIEW)
        raise Http404
    return found


def _to_review(access, pk: int):
    found = selectors.appeals_to_review(access=access).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.post("/appeals/{appeal_id}/accept", response=AppealOut)
def accept_appeal(request, appeal_id: int, payload: AppealAcceptIn):
    """Accept: reverse the entry (``resolution=reversal``) or post an extra award (``award``, with
    ``amount``), with a reply the learner reads."""
    access = get_access(request)
    access.require(Perm.APPEALS_REVIEW)
    found = _to_review(access, appeal_id)
    appeals.appeal_accept(appeal=found, reviewer=request.user, resolution=payload.resolution, reply=payload.reply,
                          amount=payload.amount, people=access.people(Perm.APPEALS_REVIEW))
    return _appeal(found.pk)


@router.post("/appeals/{appeal_id}/reject", response=AppealOut)
def reject_appeal(request, appeal_id: int, payload: AppealRejectIn):
    """Reject with a reply the learner reads. Posts nothing."""
    access = get_access(request)
    access.require(Perm.APPEALS_REVIEW)
    found = _to_review(access, appeal_id)
    appeals.appeal_reject(appeal=found, reviewer=request.user, reply=payload.reply,
                          people=access.people(Perm.APPEALS_REVIEW))
    return _appeal(found.pk)
