"""What the rules in force say about one event. No writes here: ``evaluate`` returns outcomes, and the
intake service posts them. The same code runs the what-if simulation over past events."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db.models import Sum

from jifen.catalog.models import Course, CourseKind
from jifen.ledger.engine import money
from jifen.ledger.models import CreditType, Currency, Entry, EntryKind
from jifen.rules.models import AmountMode, CreditSource, RuleVersion

CONDITION_KEYS = {
    "course_kinds", "course_categories", "deliveries", "course_codes", "units", "positions", "min_score",
    "max_score", "passed",
}


@dataclass(frozen=True)
class Facts:
    key: str
    type: str
    person_id: int
    unit_path: str
    position_code: str
    course: Course | None
    occurred_at: dt.datetime
    data: dict
    event_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    version: RuleVersion
    amount: Decimal
    credit_type: str
    reason: str

    @property
    def currency(self) -> str:
        return self.version.currency


def _score(data: dict, name: str) -> Decimal | None:
    value = data.get(name)
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _category_matches(course: Course, wanted: list[str]) -> bool:
    if not course.category_id:
        return False
    lineage = course.category.lineage
    paths = {"/".join(lineage[: depth + 1]) for depth in range(len(lineage))}
    return any(name in wanted for name in lineage) or any(path in wanted for path in paths)


def conditions_match(version: RuleVersion, facts: Facts) -> bool:
    c = version.conditions or {}
    if version.active_from and facts.occurred_at < version.active_from:
        return False
    if version.active_to and facts.occurred_at >= version.active_to:
        return False
    course = facts.course
    for key, attribute in (("course_kinds", "kind"), ("deliveries", "delivery"), ("course_codes", "code")):
        if c.get(key) and (course is None or getattr(course, attribute) not in c[key]):
            return False
    # A category matches the course's own category or any category above it (通用能力 covers 通用能力/安全);
    # a condition may name a category by its name or its full path.
    if c.get("course_categories") and (course is None or not _category_matches(course, c["course_categories"])):
        return False
    if c.get("units") and not any(
        facts.unit_path == unit or facts.unit_path.startswith(unit + "/") for unit in c["units"]
    ):
        return False
    if c.get("positions") and facts.position_code not in c["positions"]:
        return False
    score = _score(facts.data, "score")
    if "min_score" in c and (score is None or score < Decimal(str(c["min_score"]))):
        return False
    if "max_score" in c and (score is None or score > Decimal(str(c["max_score"]))):
        return False
    if "passed" in c:
        pass_mark = _score(facts.data, "pass_mark")
        if score is None or pass_mark is None or (score >= pass_mark) != bool(c["passed"]):
            return False
    return True


def base_amount(version: RuleVersion, facts: Facts) -> Decimal | None:
    amount = version.amount
    if version.amount_mode == AmountMode.PER_CREDIT:
        if facts.course is None or not facts.course.credits:
            return None
        amount = amount * facts.course.credits
    elif version.amount_mode == AmountMode.PER_SCORE_STEP:
        score = _score(facts.data, "score")
        previous = _score(facts.data, "previous_score")
        if previous is None:
            previous = _score(facts.data, "baseline_score")
        if score is None or previous is None:
            return None
        steps = ((score - previous) / version.score_step).to_integral_value(rounding=ROUND_FLOOR)
        if steps <= 0:
            return None
        amount = amount * steps
    elif version.amount_mode == AmountMode.FROM_FACT:
        # The fact's data names the approved amount per currency: {"credits": 2, "points": 10}.
        value = _score(facts.data, version.currency)
        if value is None or value <= 0:
            return None
        amount = min(value, abs(amount)) * (1 if amount > 0 else -1)
    if version.multiply_by_difficulty and facts.course is not None:
        amount = amount * facts.course.difficulty
    amount = money(amount)
    return amount or None


def credit_type_for(version: RuleVersion, facts: Facts) -> str:
    if version.currency != Currency.CREDITS:
        return ""
    if version.credit_source == CreditSource.FROM_COURSE:
        if facts.course is not None and facts.course.kind == CourseKind.REQUIRED:
            return CreditType.REQUIRED
        return CreditType.ELECTIVE
    return version.credit_source


def periods(moment: dt.datetime) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The day, week (from Monday), month and year containing ``moment``, in local time, as [from, to)."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(tz)
    day = dt.datetime(local.year, local.month, local.day, tzinfo=tz)
    week = day - dt.timedelta(days=local.weekday())
    month = dt.datetime(local.year, local.month, 1, tzinfo=tz)
    next_month = dt.datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=tz)
    year = dt.datetime(local.year, 1, 1, tzinfo=tz)
    return {
        "day": (day, day + dt.timedelta(days=1)),
        "week": (week, week + dt.timedelta(days=7)),
        "month": (month, next_month),
        "year": (year, dt.datetime(local.year + 1, 1, 1, tzinfo=tz)),
    }


@dataclass
class History:
    """What a person already got from a rule, read from the ledger and kept up to date in memory while
    a batch is evaluated, so caps, once-per-course and cooldowns see earlier events of the same batch."""

    posted: list[tuple[int, str, dt.datetime, Decimal, int | None]] = field(default_factory=list)
    _totals: dict = field(default_factory=dict)

    def total(self, person_id: int, rule_code: str, start: dt.datetime, end: dt.datetime) -> Decimal:
        cache_key = (person_id, rule_code, start, end)
        if cache_key not in self._totals:
            self._totals[cache_key] = Entry.objects.filter(
                account__person_id=person_id, rule_label=rule_code, occurred_at__gte=start, occurred_at__lt=end,
            ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        in_batch = sum((a for p, r, t, a, _c in self.posted if p == person_id and r == rule_code and start <= t < end),
                       Decimal(0))
        return self._totals[cache_key] + in_batch

    def had_course(self, person_id: int, rule_code: str, course_id: int) -> bool:
        if any(p == person_id and r == rule_code and c == course_id for p, r, _t, _a, c in self.posted):
            return True
        return Entry.objects.filter(
            account__person_id=person_id, rule_label=rule_code, reversed_by__isnull=True,
            kind__in=[EntryKind.AWARD, EntryKind.PENALTY], source_id__in=_course_events(person_id, course_id),
        ).exists()

    def last_time(self, person_id: int, rule_code: str, course_id: int | None) -> dt.datetime | None:
        times = [t for p, r, t, _a, c in self.posted if p == person_id and r == rule_code and c == course_id]
        entries = Entry.objects.filter(account__person_id=person_id, rule_label=rule_code, reversed_by__isnull=True)
        if course_id is not None:
            entries = entries.filter(source_id__in=_course_events(person_id, course_id))
        latest = entries.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        if latest:
            times.append(latest)
        return max(times) if times else None

    def record(self, facts: Facts, outcome: Outcome) -> None:
        self.posted.append((facts.person_id, outcome.version.rule.code, facts.occurred_at, outcome.amount,
                            facts.course.pk if facts.course else None))


def _course_events(person_id: int, course_id: int):
    from jifen.rules.models import Event

    return Event.objects.filter(person_id=person_id, course_id=course_id).values("pk")


def evaluate(facts: Facts, versions: list[RuleVersion], history: History) -> list[Outcome]:
    outcomes = []
    for version in versions:
        if version.event_type != facts.type or not conditions_match(version, facts):
            continue
        amount = base_amount(version, facts)
        if amount is None:
            continue
        code = version.rule.code
        course_id = facts.course.pk if facts.course else None
        if version.once_per_course and course_id is not None and history.had_course(facts.person_id, code, course_id):
            continue
        if version.cooldown_minutes:
            last = history.last_time(facts.person_id, code, course_id)
            if last is not None and facts.occurred_at - last < dt.timedelta(minutes=version.cooldown_minutes):
                continue
        windows = None
        for name in ("day", "week", "month", "year"):
            cap = getattr(version, f"cap_{name}")
            if cap is None:
                continue
            windows = windows or periods(facts.occurred_at)
            used = history.total(facts.person_id, code, *windows[name])
            used = used if amount > 0 else -used
            room = max(abs(cap) - max(used, Decimal(0)), Decimal(0))
            if room < abs(amount):
                amount = room if amount > 0 else -room
        amount = money(amount)
        if not amount:
            continue
        reason = version.name + (f" · {facts.course.title}" if facts.course else "")
        outcome = Outcome(version=version, amount=amount, credit_type=credit_type_for(version, facts), reason=reason)
        history.record(facts, outcome)
        outcomes.append(outcome)
    return outcomes
