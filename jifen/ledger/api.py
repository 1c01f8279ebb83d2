"""Ledger and event endpoints. Other systems depend on these shapes: keep them."""

import datetime as dt

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.ledger import selectors
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.rules.services import MAX_BATCH, EventIn, record_events

router = Router(tags=["ledger"])


class EventSchema(Schema):
    key: str = Field(..., max_length=150)
    type: str
    person: str = Field(..., description="Employee / student number.")
    course: str | None = None
    occurred_at: str = Field(..., description="ISO 8601 with offset, e.g. 2026-03-01T09:00:00+08:00")
    data: dict = Field(default_factory=dict)


class EventsIn(Schema):
    events: list[EventSchema] = Field(..., max_length=MAX_BATCH)


class EntryBrief(Schema):
    currency: str
    amount: float
    rule: str


class EventResult(Schema):
    key: str
    status: str
    entries: list[EntryBrief]
    error: str | None


class EventsOut(Schema):
    results: list[EventResult]


class CreditsOut(Schema):
    year: int
    earned: float
    required: float
    elective: float
    target: float


class BalancesOut(Schema):
    points: float
    points_expiring_30d: float
    credits: CreditsOut


class EntryOut(Schema):
    id: int
    currency: str = Field(..., alias="account.currency")
    amount: float
    kind: str
    rule: str = Field(..., alias="rule_label")
    reason: str
    occurred_at: dt.datetime
    key: str = Field(..., alias="idempotency_key")
    balance_after: float


@router.post("/events", response=EventsOut)
def post_events(request, payload: EventsIn):
    """Record learning events; each is evaluated by the rules in force and posted once per key."""
    access = get_access(request)
    access.require(Perm.EVENTS_RECORD)
    results = record_events(
        events=[EventIn(e.key, e.type, e.person, e.occurred_at, e.course, e.data) for e in payload.events],
        source="api", actor=request.user, people=access.people(Perm.EVENTS_RECORD),
    )
    return {"results": results}


def _person(request, employee_no: str) -> Person:
    access = get_access(request)
    access.require(Perm.LEDGER_VIEW)
    person = access.people(Perm.LEDGER_VIEW).select_related("position").filter(employee_no=employee_no).first()
    if person is None:
        raise Http404
    return person


@router.get("/people/{employee_no}/balances", response=BalancesOut)
def person_balances(request, employee_no: str):
    return selectors.balances(person=_person(request, employee_no), now=timezone.now())


@router.get("/people/{employee_no}/entries", response=list[EntryOut])
@paginate(CursorPagination)
def person_entries(request, employee_no: str, before_id: int | None = None):
    entries = selectors.entries_for(person=_person(request, employee_no))
    if before_id:
        entries = entries.filter(pk__lt=before_id)
    return entries
