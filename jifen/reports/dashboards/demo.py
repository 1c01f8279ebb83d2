"""Demo: the credits people earned this year before the demo's three months of activity, as a company
moving to Jifen in the autumn would import them, so the dashboards show a year with some people at target
and others behind, not everyone at the start. Posted through the ledger; idempotent (one key a person)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from jifen.ledger import services as ledger
from jifen.ledger.models import Currency
from jifen.org.models import Person

# Shares of the year's target already earned, by turn: some done, most on their way, a few far behind.
SHARES = (Decimal("0.95"), Decimal("0.6"), Decimal("0.8"), Decimal("0.3"), Decimal("1.0"), Decimal("0.7"),
          Decimal("0.45"), Decimal("0.85"), Decimal("0.15"), Decimal("0.9"))


def build_demo(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.month < 5:  # early in the year there is nothing before the demo's months to bring in
        return 0
    made = 0
    people = (Person.objects.filter(employee_no__startswith="JF", position__isnull=False)
              .exclude(status=Person.Status.LEFT).select_related("position").order_by("employee_no"))
    for index, person in enumerate(people):
        amount = (Decimal(person.position.annual_credit_target) * SHARES[index % len(SHARES)]).quantize(Decimal(1))
        if amount <= 0:
            continue
        month = 1 + index % (today.month - 4)  # before the demo's three months
        occurred = timezone.make_aware(dt.datetime(today.year, month, 15, 10, 0))
        required = (amount * Decimal("0.6")).quantize(Decimal(1))
        for part, credit_type in ((required, "required"), (amount - required, "elective")):
            if part > 0:
                result = ledger.award(person=person, currency=Currency.CREDITS, amount=part,
                                      key=f"demo-history:{person.pk}:{credit_type}", occurred_at=occurred, now=now,
                                      credit_type=credit_type, reason="启用积分系统前的培训学分（历史记录导入）")
                made += result.created
    return made
