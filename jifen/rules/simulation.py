"""What-if: run a draft ruleset over the events of a past period and compare with what was awarded.
Nothing is written. Caps, once-per-course and cooldowns are counted within the period simulated."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from jifen.ledger.models import Currency, Entry
from jifen.rules.evaluation import Facts, History, Outcome, evaluate
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
        gainers, losers = self.mover_ids(n)
        return ([(self.names.get(pk, pk), t) for pk, t in gainers],
                [(self.names.get(pk, pk), t) for pk, t in losers])

    def mover_ids(self, n: int = 10) -> tuple[list[tuple[int, Totals]], list[tuple[int, Totals]]]:
        """The people (their ids) who gain most and who lose most, at most ``n`` each."""
        ranked = sorted(self.by_person.items(), key=lambda item: item[1].change)
        losers = [(pk, t) for pk, t in ranked[:n] if t.change < 0]
        gainers = [(pk, t) for pk, t in reversed(ranked[-n:]) if t.change > 0]
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


def ruleset(which: str = "draft") -> list[RuleVersion]:
    """``draft``: each rule's draft, else its version in force (what the page simulates); ``in_force``:
    the rules as they apply now."""
    if which == "in_force":
        from jifen.rules.services import versions_in_force

        return versions_in_force()
    return draft_ruleset()


def _department(name_path: str) -> str:
    parts = name_path.split("/")
    return "/".join(parts[:2]) if len(parts) > 1 else name_path


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def simulate_days(*, versions: list[RuleVersion], start: dt.date, end: dt.date,
                  currency: str = Currency.POINTS) -> SimulationResult:
    """The simulation over the days from ``start`` until ``end`` (not included), in local time."""
    return simulate(versions=versions, start=local_midnight(start), end=local_midnight(end), currency=currency)


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


@dataclass
class EventSimulation:
    """One given event: ``simulated`` (with what each rule would post), ``duplicate`` or ``rejected``."""

    key: str
    status: str
    error: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class EventsSimulationResult:
    events: list[EventSimulation]
    currency_totals: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    by_rule: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def simulate_events(*, versions: list[RuleVersion], events: list, now: dt.datetime | None = None
                    ) -> EventsSimulationResult:
    """What ``versions`` would post for events not recorded (``services.EventIn``), checked as intake checks
    them: an unknown person, type or course rejects the event; a key of the batch seen before, or already
    recorded, is a duplicate. Nothing is written. As over a period, caps, once-per-course and cooldowns
    count only what the simulation itself awards."""
    from jifen.rules.services import check_events

    checked, fresh = check_events(events=events, now=now)
    result = EventsSimulationResult(events=[EventSimulation(key=r.key, status=r.status, error=r.error)
                                            for r in checked])
    history = InMemoryHistory()
    for index, facts, _item in fresh:
        row = result.events[index]
        row.status = "simulated"
        for outcome in evaluate(facts, versions, history):
            row.outcomes.append(outcome)
            result.currency_totals[outcome.currency] += outcome.amount
            result.by_rule[outcome.version.rule.code] += outcome.amount
    return result
