"""Reads of the ledger that pages, the API and reports share."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.ledger.models import (
    Account,
    AdjustmentBatch,
    AdjustmentLine,
    AdjustmentStatus,
    Appeal,
    AppealStatus,
    CreditType,
    Currency,
    Entry,
    Lot,
)
from jifen.org.models import Person
from jifen.org.permissions import Access, Perm

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CreditProgress:
    year: int
    earned: Decimal
    required: Decimal
    elective: Decimal
    target: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.earned, ZERO)

    @property
    def percent(self) -> int:
        return 100 if not self.target else min(100, int(self.earned * 100 / self.target))


@dataclass(frozen=True)
class Balances:
    points: Decimal
    points_expiring_30d: Decimal
    credits: CreditProgress


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def expiring_soon(*, person: Person, now: dt.datetime, days: int = 30) -> QuerySet[Lot]:
    """Lots with points left that expire within ``days``: one indexed query."""
    return Lot.objects.filter(
        account__person=person, account__currency=Currency.POINTS, remaining__gt=0,
        expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=days),
    ).order_by("expires_at")


def points_balance(*, person: Person) -> Decimal:
    """The points a person can spend now: one indexed read of their account's cached balance."""
    points = Account.objects.filter(person=person, currency=Currency.POINTS).values_list("balance", flat=True).first()
    return points if points is not None else ZERO


def credit_progress(*, person: Person, year: int) -> CreditProgress:
    """Credits earned in ``year``, required and elective, against the position's target: one query."""
    start, end = year_bounds(year)
    sums = Entry.objects.filter(
        account__person=person, account__currency=Currency.CREDITS, occurred_at__gte=start, occurred_at__lt=end,
    ).aggregate(
        required=Sum("amount", filter=Q(credit_type=CreditType.REQUIRED)),
        elective=Sum("amount", filter=~Q(credit_type=CreditType.REQUIRED)),
    )
    required, elective = sums["required"] or ZERO, sums["elective"] or ZERO
    target = person.position.annual_credit_target if person.position_id else ZERO
    return CreditProgress(year=year, earned=required + elective, required=required, elective=elective,
                          target=Decimal(target))


def balances(*, person: Person, now: dt.datetime | None = None, year: int | None = None) -> Balances:
    now = now or timezone.now()
    year = year or timezone.localtime(now).year
    points = points_balance(person=person)
    expiring = expiring_soon(person=person, now=now).aggregate(total=Sum("remaining"))["total"] or ZERO
    return Balances(points=points, points_expiring_30d=expiring, credits=credit_progress(person=person, year=year))


def _filtered(entries: QuerySet[Entry], *, currency: str, kind: str, rule: str,
              start: dt.datetime | None, end: dt.datetime | None) -> QuerySet[Entry]:
    """The history filters a learner's page, the staff search and the API share."""
    if currency:
        entries = entries.filter(account__currency=currency)
    if kind:
        entries = entries.filter(kind=kind)
    if rule:
        entries = entries.filter(rule_label=rule)
    if start:
        entries = entries.filter(occurred_at__gte=start)
    if end:
        entries = entries.filter(occurred_at__lt=end)
    return entries


def entries_for(*, person: Person, currency: str = "", kind: str = "", rule: str = "",
                start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet[Entry]:
    entries = Entry.objects.filter(account__person=person).select_related("account", "actor", "reverses")
    entries = _filtered(entries, currency=currency, kind=kind, rule=rule, start=start, end=end)
    return entries.order_by("-occurred_at", "-pk")


# ---------------------------------------------------------------- adjustments


def _all_lines_within(access: Access, perm: Perm) -> Q:
    """Batches every line of which names someone in ``perm``'s scope."""
    scope = access.scope(perm)
    if scope.everything:
        return Q(pk__isnull=False)  # not Q(): an empty Q drops out of an OR and would match nothing
    if scope.empty:
        return Q(pk__in=[])
    outside = AdjustmentLine.objects.exclude(person__in=access.people(perm).values("pk")).values("batch_id")
    return ~Q(pk__in=outside)


def adjustments_visible(*, access: Access) -> QuerySet[AdjustmentBatch]:
    """What a proposer sees (their own batches and those wholly inside their scope) and what an
    approver sees (those wholly inside theirs)."""
    q = Q(pk__in=[])
    if access.has(Perm.LEDGER_ADJUST):
        q |= Q(proposed_by_id=access.user_id) | _all_lines_within(access, Perm.LEDGER_ADJUST)
    if access.has(Perm.LEDGER_APPROVE):
        q |= _all_lines_within(access, Perm.LEDGER_APPROVE)
    return AdjustmentBatch.objects.filter(q)


def adjustments_to_decide(*, access: Access) -> QuerySet[AdjustmentBatch]:
    """Batches this approver may approve or reject: every line inside their approval scope."""
    if not access.has(Perm.LEDGER_APPROVE):
        return AdjustmentBatch.objects.none()
    return AdjustmentBatch.objects.filter(_all_lines_within(access, Perm.LEDGER_APPROVE))


def adjustment_list(*, access: Access, status: str = "") -> QuerySet[AdjustmentBatch]:
    first_line = AdjustmentLine.objects.filter(batch=OuterRef("pk")).order_by("pk")
    batches = adjustments_visible(access=access).select_related(
        "proposed_by__person", "decided_by__person"
    ).annotate(
        line_count=Count("lines"),
        points_total=Sum("lines__amount", filter=Q(lines__currency=Currency.POINTS)),
        credits_total=Sum("lines__amount", filter=Q(lines__currency=Currency.CREDITS)),
        first_name=Subquery(first_line.values("person__name")[:1]),
        first_no=Subquery(first_line.values("person__employee_no")[:1]),
    )
    if status:
        batches = batches.filter(status=status)
    return batches.order_by("-proposed_at", "-pk")


def adjustment_detail(*, access: Access, pk: int) -> AdjustmentBatch | None:
    return (
        adjustments_visible(access=access).select_related("proposed_by__person", "decided_by__person")
        .filter(pk=pk).first()
    )


def adjustment_lines(batch: AdjustmentBatch) -> list[AdjustmentLine]:
    """The lines with each person's balance now (``balance_now``), in two queries."""
    lines = list(batch.lines.select_related("person__org_unit", "entry").order_by("pk"))
    balances = {
        (person_id, currency): balance
        for person_id, currency, balance in Account.objects.filter(
            person_id__in={line.person_id for line in lines}
        ).values_list("person_id", "currency", "balance")
    }
    for line in lines:
        line.balance_now = balances.get((line.person_id, line.currency), ZERO)
        line.leaves_debt = (batch.status == AdjustmentStatus.PROPOSED and line.amount < 0
                            and line.balance_now + line.amount < 0)
    return lines


def adjustment_decision_blocker(*, access: Access, batch: AdjustmentBatch) -> str:
    """Why this user may not approve or reject this batch now ("" when they may). For showing; the
    service checks again under the lock."""
    if batch.status != AdjustmentStatus.PROPOSED:
        return _("Decided.")
    if not adjustments_to_decide(access=access).filter(pk=batch.pk).exists():
        return _("Someone with the HR / auditor role approves or rejects adjustments.")
    if batch.proposed_by_id == access.user_id:
        return _("You proposed this adjustment: someone else must approve or reject it.")
    if access.person_id is not None and batch.lines.filter(person_id=access.person_id).exists():
        return _("This adjustment changes your own points: someone else must decide on it.")
    return ""


# ---------------------------------------------------------------- appeals


def appeals_of(*, person_id: int) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(person_id=person_id)
        .select_related("entry__account", "resolution_entry", "reviewer__person")
        .order_by("-raised_at", "-pk")
    )


def appeals_to_review(*, access: Access, status: str = "") -> QuerySet[Appeal]:
    if not access.has(Perm.APPEALS_REVIEW):
        return Appeal.objects.none()
    appeals = Appeal.objects.filter(person__in=access.people(Perm.APPEALS_REVIEW).values("pk"))
    if status:
        appeals = appeals.filter(status=status)
    return appeals.select_related("person__org_unit", "entry__account", "reviewer__person").order_by(
        "raised_at" if status == AppealStatus.OPEN else "-raised_at", "pk"
    )


def appeal_visible(*, access: Access, pk: int) -> Appeal | None:
    """The user's own appeal, or one they may review."""
    q = Q(person_id=access.person_id) if access.person_id is not None else Q(pk__in=[])
    if access.has(Perm.APPEALS_REVIEW):
        q |= Q(person__in=access.people(Perm.APPEALS_REVIEW).values("pk"))
    return (
        Appeal.objects.filter(q, pk=pk)
        .select_related("person__org_unit", "entry__account", "entry__actor", "resolution_entry",
                        "reviewer__person", "raised_by")
        .first()
    )


def own_entry(*, person_id: int, pk: int) -> Entry | None:
    return Entry.objects.filter(account__person_id=person_id, pk=pk).select_related("account", "actor").first()


def appeal_marks(*, entries: list[Entry]) -> None:
    """Set ``latest_appeal`` and ``is_reversed`` on each entry of a history page (two queries), so
    the page offers an appeal only where one can be made."""
    ids = [entry.pk for entry in entries]
    latest: dict[int, Appeal] = {}
    for appeal in Appeal.objects.filter(entry_id__in=ids).order_by("raised_at", "pk"):
        latest[appeal.entry_id] = appeal
    reversed_ids = set(Entry.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))
    for entry in entries:
        entry.latest_appeal = latest.get(entry.pk)
        entry.is_reversed = entry.pk in reversed_ids


def source_facts(*, entries: list[Entry]) -> None:
    """Set ``entry.fact`` to what caused each entry, in words (the event and its course, or the
    adjustment it came from), with a fixed number of queries for a whole page of entries."""
    from django.contrib.contenttypes.models import ContentType

    by_type: dict[int, set[int]] = {}
    for entry in entries:
        entry.fact = ""
        if entry.source_type_id and entry.source_id:
            by_type.setdefault(entry.source_type_id, set()).add(entry.source_id)
    described: dict[tuple[int, int], str] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        if model._meta.label == "rules.Event":
            for event in model.objects.filter(pk__in=ids).select_related("course"):
                text = event.get_type_display()
                if event.course_id:
                    text += f" · {event.course.code} {event.course.title}"
                described[(type_id, event.pk)] = text
        else:
            for obj in model.objects.filter(pk__in=ids):
                described[(type_id, obj.pk)] = f"{model._meta.verbose_name} #{obj.pk}"
    for entry in entries:
        entry.fact = described.get((entry.source_type_id, entry.source_id), "")


def ledger_search(*, access, query: str = "", rule: str = "", kind: str = "", currency: str = "",
                  start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet[Entry]:
    """Entries of the people the viewer may see, newest first, filtered by person, rule, kind and date."""
    from jifen.org.permissions import Perm

    people = access.people(Perm.LEDGER_VIEW)
    query = query.strip()
    if query:
        people = people.filter(Q(employee_no__icontains=query) | Q(name__icontains=query))
    entries = Entry.objects.filter(account__person__in=people.values("pk")).select_related(
        "account__person__org_unit", "actor")
    entries = _filtered(entries, currency=currency, kind=kind, rule=rule, start=start, end=end)
    return entries.order_by("-occurred_at", "-pk")
