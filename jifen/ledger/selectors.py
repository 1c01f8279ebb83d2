"""Reads of the ledger that pages, the API and reports share."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from jifen.ledger.models import Account, CreditType, Currency, Entry, Lot
from jifen.org.models import Person

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


def balances(*, person: Person, now: dt.datetime | None = None, year: int | None = None) -> Balances:
    now = now or timezone.now()
    year = year or timezone.localtime(now).year
    points = Account.objects.filter(person=person, currency=Currency.POINTS).values_list("balance", flat=True).first()
    expiring = expiring_soon(person=person, now=now).aggregate(total=Sum("remaining"))["total"] or ZERO
    start, end = year_bounds(year)
    sums = Entry.objects.filter(
        account__person=person, account__currency=Currency.CREDITS, occurred_at__gte=start, occurred_at__lt=end,
    ).aggregate(
        required=Sum("amount", filter=Q(credit_type=CreditType.REQUIRED)),
        elective=Sum("amount", filter=~Q(credit_type=CreditType.REQUIRED)),
    )
    required, elective = sums["required"] or ZERO, sums["elective"] or ZERO
    target = person.position.annual_credit_target if person.position_id else ZERO
    return Balances(
        points=points or ZERO,
        points_expiring_30d=expiring,
        credits=CreditProgress(year=year, earned=required + elective, required=required, elective=elective,
                               target=Decimal(target)),
    )


def entries_for(*, person: Person, currency: str = "", kind: str = "", rule: str = "",
                start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet[Entry]:
    entries = Entry.objects.filter(account__person=person).select_related("account", "actor", "reverses")
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
    return entries.order_by("-occurred_at", "-pk")
