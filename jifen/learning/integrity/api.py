"""Box-ticking cases over the API: the review queue and decisions, and the caller's own cases."""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.learning.integrity import selectors, services
from jifen.learning.integrity.models import Case
from jifen.org.permissions import Perm, get_access

router = Router(tags=["integrity"])


class PersonBrief(Schema):
    employee_no: str
    name: str


class CaseOut(Schema):
    id: int
    person: PersonBrief
    kind: str
    summary: str
    status: str
    opened_at: dt.datetime
    reviewed_at: dt.datetime | None
    decision_note: str
    event_key: str


class CaseReviewOut(CaseOut):
    details: dict


class CaseFilter(Schema):
    status: Case.Status | Literal["all"] = Field(Case.Status.OPEN, description="open (the default), confirmed, "
                                                                               "dismissed, or all")


class CaseDecisionIn(Schema):
    decision: Literal["confirm", "dismiss"]
    note: str = Field(..., description="Why; the learner reads it.")


@router.get("/cases/mine", response=list[CaseOut])
def my_cases(request):
    """The caller's own box-ticking cases and their outcomes."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.cases_of(access.person_id)[:200])


@router.get("/cases", response=list[CaseReviewOut])
@paginate(CursorPagination)
def list_cases(request, filters: Query[CaseFilter]):
    """Cases of people in the caller's scope: open ones (oldest first) unless asked."""
    access = get_access(request)
    access.require(Perm.LEARNING_REVIEW)
    return selectors.cases_to_review(access, "" if filters.status == "all" else filters.status)


@router.post("/cases/{case_id}/decide", response=CaseReviewOut)
def decide_case(request, case_id: int, payload: CaseDecisionIn):
    """Confirm (records violation.cheating: -50 points by default; the learner may appeal) or dismiss
    (nothing recorded), with a note either way."""
    access = get_access(request)
    access.require(Perm.LEARNING_REVIEW)
    found = selectors.cases_to_review(access, "").filter(pk=case_id).first()
    if found is None:
        raise Http404
    action = services.case_confirm if payload.decision == "confirm" else services.case_dismiss
    action(case=found, reviewer=request.user, note=payload.note, people=access.people(Perm.LEARNING_REVIEW))
    return selectors.cases_to_review(access, "").get(pk=case_id)
