"""Points, credits and rewards for dashboard tests, posted through the ledger like the real events."""

import datetime as dt
import itertools

from django.utils import timezone

from jifen.ledger import services as ledger

_keys = itertools.count(1)


def points(person, amount, *, rule="", at: dt.datetime | None = None, expiry=None):
    return ledger.award(person=person, currency="points", amount=amount, key=f"dash-{next(_keys)}", reason=rule or "奖励",
                        rule_label=rule, occurred_at=at or timezone.now(), expiry=expiry)


def credits(person, amount, *, required: bool = False, at: dt.datetime | None = None):
    return ledger.award(person=person, currency="credits", amount=amount, key=f"dash-{next(_keys)}", reason="学分",
                        credit_type="required" if required else "elective", occurred_at=at or timezone.now())


def months_ago(count: int, day: int = 10) -> dt.datetime:
    """Noon on ``day`` of the month ``count`` months before this one (local time)."""
    today = timezone.localdate()
    year, month = today.year, today.month - count
    while month < 1:
        year, month = year - 1, month + 12
    return timezone.make_aware(dt.datetime(year, month, day, 12, 0))
