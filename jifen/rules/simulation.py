"""What-if: run a draft ruleset over the events of a past period and compare with what was awarded.
Nothing is written. Caps, once-per-course and cooldowns are counted within the period simulated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from jifen.ledger.models import Currency, Entry
from jifen.rules.evaluation import Facts, History, evaluate
from jifen.rules.models import Event, RuleVersion

ZERO = Decimal(0)


class InMemoryHistory(History):
    """History for a simulation: only what the simulation itself has awarded."""

    def total(self, person_id, rule_code, start, end):
        return sum((a for p, r, t, a, _c in self.posted if p == person_id and r == rule_code and start <= t < end), ZERO)

    def had_course(self, person_id, rule_code, course_id):
        return any(p == person_id and r == rule_code and c == course_id for p, r, _t, _a, c in self.posted)

    def last_time(self, person_id, rule_code, course_id):
        times = [t for p, r, t, _a, c in self.posted if p == person_id and r == rule_code and c == course_id]
        return max(times) if times else None


@dataclass
class Totals:
    actual: Decimal = ZERO
    simulated: Decimal = ZERO

    @property
    def change(self) -> Decimal:
        return self.simulated - self.actual


@dataclass
class SimulationResult:
    start: dt.datetime
    end: dt.datetime
    events: int = 0
    currency_totals: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    by_person: dict[int, Totals] = field(default_factory=lambda: defaultdict(Totals))
    by_department: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    by_rule: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    names: dict[int, str] = field(default_factory=dict)

    def movers(self, n: int = 10) -> tuple[list, list]:
        ranked = sorted(self.by_person.items(), key=lambda item: item[1].change)
        losers = [(self.names.get(pk, pk), t) for pk, t in ranked[:n] if t.change < 0]
        gainers = [(self.names.get(pk, pk), t) for pk, t in reversed(ranked[-n:]) if t.change > 0]
        return gainers, losers


def draft_ruleset() -> list[RuleVersion]:
    """Each rule's draft where it has one, else the version in force."""
    chosen: dict[int, RuleVersion] = {}
    for version in RuleVersion.objects.filter(
        status__in=[RuleVersion.Status.DRAFT, RuleVersion.Status.PUBLISHED], rule__archived_at__isnull=True
    ).select_related("rule").order_by("rule_id", "-number"):
        if version.rule_id not in chosen or version.status == RuleVersion.Status.DRAFT:
            chosen[version.rule_id] = version
    return list(chosen.values())


def _department(name_path: str) -> str:
    parts = name_path.split("/")
    return "/".join(parts[:2]) if len(parts) > 1 else name_path


def simulate(*, versions: list[RuleVersion], start: dt.datetime, end: dt.datetime,
             currency: str = Currency.POINTS) -> SimulationResult:
    result = SimulationResult(start=start, end=end)
    events = (
        Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .select_related("person__org_unit", "person__position", "course__category")
        .order_by("occurred_at", "pk")
    )
    history = InMemoryHistory()
    for event in events.iterator(chunk_size=2000):
        person = event.person
        result.events += 1
        result.names[person.pk] = f"{person.name} ({person.employee_no})"
        facts = Facts(key=event.key, type=event.type, person_id=person.pk, unit_path=person.org_unit.name_path,
                      position_code=person.position.code if person.position_id else "", course=event.course,
                      occurred_at=event.occurred_at, data=event.data or {}, event_id=event.pk)
        for outcome in evaluate(facts, versions, history):
            if outcome.currency != currency:
                continue
            amount = outcome.amount
            result.currency_totals[currency].simulated += amount
            result.by_person[person.pk].simulated += amount
            result.by_department[_department(person.org_unit.name_path)].simulated += amount
            result.by_rule[outcome.version.rule.code].simulated += amount
    actual = (
        Entry.objects.filter(
            source_type=ContentType.objects.get_for_model(Event), account__currency=currency,
            source_id__in=Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end).values("pk"),
        )
        .values("account__person_id", "account__person__name", "account__person__employee_no",
                "account__person__org_unit__name_path", "rule_label")
        .annotate(total=Sum("amount"))
    )
    for row in actual:
        pk = row["account__person_id"]
        result.names.setdefault(pk, f"{row['account__person__name']} ({row['account__person__employee_no']})")
        result.currency_totals[currency].actual += row["total"]
        result.by_person[pk].actual += row["total"]
        result.by_department[_department(row["account__person__org_unit__name_path"])].actual += row["total"]
        result.by_rule[row["rule_label"]].actual += row["total"]
    return result
