"""What each role sees first: the learner's home, the manager's team, the training admin's programme and
the points economy. Read-only over the other apps; every figure is summed in SQL over the scope the
viewer holds, in a fixed number of queries whatever the number of people or entries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog import selectors as catalog_selectors
from jifen.catalog.models import Enrolment, Session
from jifen.learning.attendance.models import Attendance
from jifen.learning.study.models import Heartbeat
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger.models import Account, Currency, Entry, EntryKind, Period, Standing
from jifen.org.models import OrgUnit, Person
from jifen.org.permissions import Access, Perm
from jifen.recognition import selectors as recognition_selectors
from jifen.recognition.models import BadgeAward, RecognitionSettings
from jifen.rewards.models import Reward
from jifen.rules.selectors import rule_names
from jifen.tracking.followup.models import Plan, Task, TaskStatus
from jifen.tracking.reports import selectors as tracking_reports
from jifen.tracking.reports.models import (
    DEFAULT_EXAM_GOAL,
    DEFAULT_PARTICIPATION_GOAL,
    DEFAULT_SATISFACTION_GOAL,
)

ZERO = Decimal("0.00")
ONE_PLACE = Decimal("0.1")
NEW_BADGE_DAYS = 30
EXPIRING_DAYS = 30
LOW_STOCK = 5
PAGE_SIZE = 20
HOUR_BUCKETS = (  # [from, to) study hours in the year
    (Decimal(0), Decimal(0)), (Decimal("0.1"), Decimal(8)), (Decimal(8), Decimal(16)), (Decimal(16), Decimal(32)),
    (Decimal(32), None),
)
EARNED_KINDS = (EntryKind.AWARD, EntryKind.PENALTY, EntryKind.ADJUSTMENT, EntryKind.REVERSAL)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _change(current, before) -> Decimal | None:
    """How much ``current`` rose against ``before``, in percent of ``before``."""
    if current is None or not before:
        return None
    return ((Decimal(current) - Decimal(before)) * 100 / Decimal(before)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def month_starts(today: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    starts = []
    year, month = today.year, today.month
    for _i in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def _local(day: dt.date) -> dt.datetime:
    return ledger_selectors.year_bounds(day.year)[0].replace(month=day.month, day=day.day)


# ---------------------------------------------------------------- charts (ECharts options built here)


def ring_chart(*, required: Decimal, elective: Decimal, target: Decimal) -> dict:
    missing = max(target - required - elective, ZERO)
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["55%", "80%"], "avoidLabelOverlap": True, "label": {"show": False},
                    "data": [
                        {"name": str(_("Required")), "value": float(required), "itemStyle": {"color": "#b4461b"}},
                        {"name": str(_("Elective")), "value": float(elective), "itemStyle": {"color": "#2563eb"}},
                        {"name": str(_("Still missing")), "value": float(missing), "itemStyle": {"color": "#e5e7eb"}},
                    ]}],
    }


def bar_chart(labels: list[str], series: list[tuple[str, list, str]], *, horizontal: bool = False,
              percent: bool = False, line: bool = False) -> dict:
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "hideOverlap": True}}
    value = {"type": "value"}
    if percent:
        value.update({"min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}})
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": value if horizontal else category,
        "yAxis": category if horizontal else value,
        "series": [{"name": str(name), "type": "line" if line else "bar", "itemStyle": {"color": color},
                    "data": [float(v) if v is not None else None for v in values]}
                   for name, values, color in series],
    }


# ---------------------------------------------------------------- the learner's home


@dataclass
class MonthPoints:
    month: dt.date
    points: Decimal


@dataclass
class LearnerHome:
    person: Person
    year: int
    points: Decimal
    target: Decimal
    earned: Decimal
    required_earned: Decimal
    elective_earned: Decimal
    required_minimum: Decimal
    percent: int
    trend: list[MonthPoints]
    expiring: list
    expiring_total: Decimal
    next_required: list
    rank: int | None
    ranked: int
    level: object
    new_badges: list

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.earned, ZERO)

    def ring(self) -> dict:
        return ring_chart(required=self.required_earned, elective=self.elective_earned, target=self.target)

    def trend_chart(self) -> dict:
        return bar_chart([m.month.strftime("%Y-%m") for m in self.trend],
                         [(_("Points earned"), [m.points for m in self.trend], "#b4461b")], line=True)


def learner_home(*, person: Person, now: dt.datetime | None = None) -> LearnerHome:
    now = now or timezone.now()
    today = timezone.localdate(now)
    gap = catalog_selectors.learning_gap(person=person, now=now, suggest=False)
    starts = month_starts(today)
    year_start = dt.date(today.year, 1, 1)
    # the trend's months and this year's points in one read: probes of the standings' unique
    # (period, start, person) index, not a range over everyone's months
    earned_by_month, this_year, year_points = {}, None, ZERO
    for period, start, points, active in Standing.objects.filter(
            Q(period=Period.MONTH, start__in=starts) | Q(period=Period.YEAR, start=year_start), person=person,
    ).values_list("period", "start", "points", "active"):
        if period == Period.MONTH:
            earned_by_month[start] = points
        else:
            year_points = points
            this_year = points if active and points > 0 else None
    expiring = list(ledger_selectors.expiring_soon(person=person, now=now, days=EXPIRING_DAYS))
    chosen = RecognitionSettings.current()
    rank, ranked = recognition_selectors.rank_only(person=person, scope_key="company", period="year", now=now,
                                                   chosen=chosen, points=this_year)
    badges = list(BadgeAward.objects.filter(person=person, awarded_at__gte=now - dt.timedelta(days=NEW_BADGE_DAYS))
                  .select_related("badge").order_by("-awarded_at")[:6])
    return LearnerHome(
        person=person, year=gap.year, points=ledger_selectors.points_balance(person=person), target=gap.target,
        earned=gap.earned, required_earned=gap.required_earned, elective_earned=gap.elective_earned,
        required_minimum=gap.required_minimum, percent=gap.percent,
        trend=[MonthPoints(month=start, points=earned_by_month.get(start, ZERO)) for start in starts],
        expiring=expiring, expiring_total=sum((lot.remaining for lot in expiring), ZERO),
        next_required=[line for line in gap.required_courses if not line.done][:5],
        rank=rank, ranked=ranked,
        level=recognition_selectors.level_of(person=person, now=now, chosen=chosen, year_points=year_points),
        new_badges=badges,
    )


def my_rank(*, person: Person, now: dt.datetime) -> tuple[int | None, int]:
    """The person's rank on the whole company's board of this year's points, and how many are ranked: the
    leaderboard's rules (only those who earned something, equal points share a rank, no rank in a group
    smaller than the privacy minimum), ranked against the board's histogram as the boards are."""
    return recognition_selectors.rank_only(person=person, scope_key="company", period="year", now=now)


# ---------------------------------------------------------------- people against their credit target


@dataclass
class PersonCredits:
    person_id: int
    unit_path: str
    position: str
    target: Decimal
    earned: Decimal

    @property
    def at_target(self) -> bool:
        return self.earned >= self.target

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.earned, ZERO)


def credit_standings(people: QuerySet[Person], *, year: int) -> list[PersonCredits]:
    """Each active person's pro-rated target and credits earned this year: one query, light rows."""
    start, end = ledger_selectors.year_bounds(year)
    earned = Entry.objects.filter(
        account__person=OuterRef("pk"), account__currency=Currency.CREDITS, occurred_at__gte=start,
        occurred_at__lt=end,
    ).values("account__person").annotate(total=Sum("amount")).values("total")
    rows = people.exclude(status=Person.Status.LEFT).annotate(earned=Subquery(earned)).values_list(
        "pk", "org_unit__path", "position__name", "position__annual_credit_target", "hire_date", "earned")
    found = []
    for pk, path, position, base, hire_date, total in rows:
        target = catalog_selectors.prorated_target(base=Decimal(base or 0), hire_date=hire_date, year=year)
        found.append(PersonCredits(person_id=pk, unit_path=path, position=position or "", target=target,
                               earned=Decimal(total or 0)))
    return found


@dataclass
class UnitRow:
    unit: OrgUnit
    people: int = 0
    at_target: int = 0
    points: Decimal = ZERO
    direct: bool = False  # only the people placed on the unit itself, not on its sub-units

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.at_target, self.people)

    @property
    def name(self) -> str:
        return _("%(unit)s (directly)") % {"unit": self.unit.name} if self.direct else self.unit.name

    def owns(self, path: str) -> bool:
        return path == self.unit.path if self.direct else path.startswith(self.unit.path)


def ranking_units(units: QuerySet[OrgUnit]) -> list[UnitRow]:
    """The rows a scope is ranked by: the children of each outermost unit in scope (the unit itself when it
    has none), and the outermost unit's own people in a row of their own, so everyone counts somewhere.
    ``units`` is the scope, already narrowed; one query."""
    found = list(units.filter(archived_at__isnull=True).order_by("path"))
    tops = []
    for unit in found:
        if not any(unit.path.startswith(top.path) for top in tops):
            tops.append(unit)
    rows = []
    for top in tops:
        children = [u for u in found if u.depth == top.depth + 1 and u.path.startswith(top.path)]
        rows.extend(UnitRow(unit=child) for child in children)
        rows.append(UnitRow(unit=top, direct=bool(children)))
    return rows


def by_unit(rows: list[UnitRow], standings: list[PersonCredits], points: dict[str, Decimal]) -> list[UnitRow]:
    """Fill the rows; a row for a unit's own people is dropped when nobody sits there."""
    for one in standings:
        row = _owner(rows, one.unit_path)
        if row is not None:
            row.people += 1
            row.at_target += one.at_target
    for path, total in points.items():
        row = _owner(rows, path)
        if row is not None:
            row.points += total
    return [row for row in rows if not row.direct or row.people or row.points]


def _owner(rows: list[UnitRow], path: str) -> UnitRow | None:
    for row in rows:
        if row.owns(path):
            return row
    return None


def points_by_unit_path(people: QuerySet[Person], *, year: int) -> dict[str, Decimal]:
    """Points earned this year per org unit (from the yearly standings), for the people in scope: one query."""
    rows = Standing.objects.filter(period=Period.YEAR, start=dt.date(year, 1, 1),
                                   person__in=people.values("pk")).values("org_unit__path").annotate(
        total=Sum("points"))
    return {row["org_unit__path"]: row["total"] or ZERO for row in rows}


# ---------------------------------------------------------------- the manager's team


@dataclass
class TeamDashboard:
    year: int
    people: int
    at_target: int
    lagging: list  # GapRow, one page
    lagging_count: int
    page: int
    pages: int
    tasks_due: list
    tasks_due_count: int
    units: list[UnitRow]

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.at_target, self.people)

    @property
    def percent_label(self) -> str:
        return "—" if self.percent is None else str(self.percent)

    def ranking(self) -> list[UnitRow]:
        return sorted(self.units, key=lambda row: (-row.points, row.unit.path))

    def completion_chart(self) -> dict:
        return {"tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
                "series": [{"type": "pie", "radius": ["55%", "80%"], "label": {"show": False}, "data": [
                    {"name": str(_("At target")), "value": self.at_target, "itemStyle": {"color": "#0f766e"}},
                    {"name": str(_("Below target")), "value": self.people - self.at_target,
                     "itemStyle": {"color": "#e5e7eb"}}]}]}

    def ranking_chart(self) -> dict:
        rows = self.ranking()
        return bar_chart([row.name for row in rows], [(_("Points earned"), [row.points for row in rows],
                                                             "#b4461b")])


def team_people(access: Access) -> QuerySet[Person]:
    return access.people(Perm.LEARNING_VIEW).exclude(status=Person.Status.LEFT)


def team_dashboard(*, access: Access, now: dt.datetime | None = None, page: int = 1) -> TeamDashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = today.year
    people = team_people(access)
    standings = credit_standings(people, year=year)
    behind = sorted((s for s in standings if not s.at_target), key=lambda s: (-s.missing, s.person_id))
    pages = max(1, -(-len(behind) // PAGE_SIZE))
    page = min(max(1, page), pages)
    chosen = [s.person_id for s in behind[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    found = {p.pk: p for p in Person.objects.filter(pk__in=chosen).select_related("org_unit", "position")}
    rows = catalog_selectors.gap_rows(people=[found[pk] for pk in chosen if pk in found], now=now, year=year)
    rows.sort(key=lambda row: (-row.missing, row.person.pk))
    tasks = Task.objects.filter(assignee_id=access.person_id, status__in=(TaskStatus.OPEN, TaskStatus.OVERDUE),
                                subject__in=people.values("pk")) if access.person_id else Task.objects.none()
    units = ranking_units(access.units(Perm.LEARNING_VIEW))
    return TeamDashboard(
        year=year, people=len(standings), at_target=sum(s.at_target for s in standings), lagging=rows,
        lagging_count=len(behind), page=page, pages=pages,
        tasks_due=list(tasks.select_related("subject", "plan").order_by("due_on", "pk")[:PAGE_SIZE]),
        tasks_due_count=tasks.count(),
        units=by_unit(units, standings, points_by_unit_path(people, year=year)),
    )


# ---------------------------------------------------------------- the training admin's programme


@dataclass
class Measure:
    label: str
    current: Decimal | None
    previous: Decimal | None
    goal: Decimal
    goal_text: str
    change: Decimal | None = None
    met: bool | None = None


@dataclass
class Figure:
    label: str
    value: Decimal


@dataclass
class TrainingDashboard:
    year: int
    measures: list[Measure]
    hot_courses: list[Figure]
    hours: list[Figure]
    sources: list[Figure]
    units: list[UnitRow]
    positions: list[tuple[str, int, int, Decimal | None]] = field(default_factory=list)

    def hot_chart(self) -> dict:
        rows = self.hot_courses[::-1]
        return bar_chart([r.label for r in rows], [(_("Enrolments"), [r.value for r in rows], "#2563eb")],
                         horizontal=True)

    def hours_chart(self) -> dict:
        return bar_chart([r.label for r in self.hours], [(_("People"), [r.value for r in self.hours], "#0f766e")])

    def sources_chart(self) -> dict:
        return {"tooltip": {"trigger": "item"}, "legend": {"bottom": 0, "type": "scroll"},
                "series": [{"type": "pie", "radius": "65%",
                            "data": [{"name": r.label, "value": float(r.value)} for r in self.sources]}]}

    def completion_chart(self) -> dict:
        return bar_chart([row.name for row in self.units],
                         [(_("At target"), [row.percent for row in self.units], "#0f766e")], percent=True)

    def position_chart(self) -> dict:
        return bar_chart([row[0] for row in self.positions],
                         [(_("At target"), [row[3] for row in self.positions], "#7c3aed")], percent=True)


def training_area(access: Access) -> Perm:
    """The permission whose scope the training dashboard covers: follow-up results, else learning progress."""
    return Perm.TRACKING_VIEW if access.sees_others(Perm.TRACKING_VIEW) else Perm.LEARNING_VIEW


def training_dashboard(*, access: Access, now: dt.datetime | None = None) -> TrainingDashboard:
    now = now or timezone.now()
    year = timezone.localdate(now).year
    perm = training_area(access)
    units = access.units(perm)
    people = access.people(perm).exclude(status=Person.Status.LEFT)
    start, end = ledger_selectors.year_bounds(year)
    before, _start = ledger_selectors.year_bounds(year - 1)

    def sessions(a, b):
        return Session.objects.filter(org_unit__in=units.values("pk"), starts_at__gte=a, starts_at__lt=b).exclude(
            status=Session.Status.CANCELLED).values("pk")

    def plans(y):
        return Plan.objects.filter(org_unit__in=units.values("pk"), ended_on__year=y).values("pk")

    now_part, then_part = tracking_reports.participation(sessions(start, end)), tracking_reports.participation(
        sessions(before, start))
    now_sat, _n = tracking_reports.satisfaction(plans(year))
    then_sat, _n = tracking_reports.satisfaction(plans(year - 1))
    now_exam, _n = tracking_reports.exam_average(plans(year))
    then_exam, _n = tracking_reports.exam_average(plans(year - 1))
    participation = Measure(label=_("Participation rate"), current=now_part.rate, previous=then_part.rate,
                            goal=DEFAULT_PARTICIPATION_GOAL, goal_text=_("20%% up on last year") % {})
    participation.change = _change(participation.current, participation.previous)
    participation.met = None if participation.change is None else participation.change >= participation.goal
    satisfaction = Measure(label=_("Course satisfaction"), current=now_sat, previous=then_sat,
                           goal=DEFAULT_SATISFACTION_GOAL, goal_text=_("at least 90%"))
    satisfaction.change = _change(now_sat, then_sat)
    satisfaction.met = None if now_sat is None else now_sat >= satisfaction.goal
    exam = Measure(label=_("Average exam score"), current=now_exam, previous=then_exam, goal=DEFAULT_EXAM_GOAL,
                   goal_text=_("15%% up on last year") % {})
    exam.change = _change(now_exam, then_exam)
    exam.met = None if exam.change is None else exam.change >= exam.goal

    hot = (Enrolment.objects.filter(session__in=sessions(start, end), status=Enrolment.Status.ENROLLED)
           .values("session__course__code", "session__course__title").annotate(n=Count("pk"))
           .order_by("-n", "session__course__code")[:10])
    hours = _hours_distribution(people, start, end)
    sources = (Entry.objects.filter(account__person__in=people.values("pk"), account__currency=Currency.POINTS,
                                    kind__in=EARNED_KINDS, occurred_at__gte=start, occurred_at__lt=end)
               .values("rule_label").annotate(total=Sum("amount")).order_by("-total", "rule_label")[:12])
    sources = list(sources)
    names = rule_names([row["rule_label"] for row in sources])
    standings = credit_standings(people, year=year)
    by_position: dict[str, list[int]] = {}
    for one in standings:
        counts = by_position.setdefault(one.position or str(_("No position")), [0, 0])
        counts[0] += 1
        counts[1] += one.at_target
    return TrainingDashboard(
        year=year, measures=[participation, satisfaction, exam],
        hot_courses=[Figure(label=f"{row['session__course__code']} {row['session__course__title']}",
                            value=Decimal(row["n"])) for row in hot],
        hours=hours,
        sources=[Figure(label=names.get(row["rule_label"]) or str(_("Manual and other")), value=row["total"] or ZERO)
                 for row in sources],
        units=by_unit(ranking_units(units), standings, {}),
        positions=[(name, n, done, _percent(done, n)) for name, (n, done) in sorted(by_position.items())],
    )


def _hours_distribution(people: QuerySet[Person], start: dt.datetime, end: dt.datetime) -> list[Figure]:
    """How many people studied how many hours this year: the course hours of the sessions they attended
    and the online study time credited to them (heartbeats of lessons played through), in two queries."""
    hours: dict[int, Decimal] = defaultdict(lambda: ZERO)
    attended = Attendance.objects.filter(
        person__in=people.values("pk"), status__in=tracking_reports.ATTENDED, session__starts_at__gte=start,
        session__starts_at__lt=end).values("person").annotate(hours=Sum("session__course__hours"))
    for row in attended:
        hours[row["person"]] += row["hours"] or ZERO
    online = Heartbeat.objects.filter(person__in=people.values("pk"), at__gte=start, at__lt=end,
                                      credited__gt=0).values("person").annotate(seconds=Sum("credited"))
    for row in online:
        hours[row["person"]] += Decimal(row["seconds"] or 0) / 3600
    totals = list(hours.values())
    everyone = people.count()
    counts = []
    for low, high in HOUR_BUCKETS:
        if high is not None and high == low:
            label, n = _("No hours"), everyone - sum(1 for t in totals if t > 0)
        elif high is None:
            label, n = _("%(low)s h or more") % {"low": low}, sum(1 for t in totals if t >= low)
        else:
            label = _("%(low)s to %(high)s h") % {"low": 0 if low < 1 else low, "high": high}
            n = sum(1 for t in totals if t > 0 and t >= low and t < high) if low < 1 else \
                sum(1 for t in totals if low <= t < high)
        counts.append(Figure(label=str(label), value=Decimal(n)))
    return counts


# ---------------------------------------------------------------- the points economy


@dataclass
class EconomyMonth:
    month: dt.date
    issued: Decimal
    spent: Decimal
    expired: Decimal
    outstanding: Decimal


@dataclass
class RuleChange:
    rule: str
    this_month: Decimal
    last_month: Decimal
    last_year: Decimal

    @property
    def change_month(self) -> Decimal | None:
        return _change(self.this_month, self.last_month)

    @property
    def change_year(self) -> Decimal | None:
        return _change(self.this_month, self.last_year)


@dataclass
class EconomyDashboard:
    months: list[EconomyMonth]
    outstanding: Decimal
    average_price: Decimal | None
    rewards_coverable: Decimal | None
    stock_points: Decimal
    coverage: Decimal | None
    yuan_per_point: Decimal | None  # what the company pays per point spent, over the rewards on sale with a cost
    liability: Decimal | None  # the outstanding points in yuan at that rate
    costed: int  # rewards on sale with a cost
    on_sale: int
    low_stock: list
    threshold: int
    rules: list[RuleChange]

    def flow_chart(self) -> dict:
        labels = [m.month.strftime("%Y-%m") for m in self.months]
        option = bar_chart(labels, [
            (_("Issued"), [m.issued for m in self.months], "#0f766e"),
            (_("Spent"), [m.spent for m in self.months], "#2563eb"),
            (_("Expired"), [m.expired for m in self.months], "#9ca3af"),
        ])
        option["series"].append({"name": str(_("Outstanding")), "type": "line", "itemStyle": {"color": "#b4461b"},
                                 "data": [float(m.outstanding) for m in self.months]})
        return option

    def rules_chart(self) -> dict:
        rows = self.rules[:10]
        return bar_chart([r.rule for r in rows], [
            (_("Same month last year"), [r.last_year for r in rows], "#9ca3af"),
            (_("Last month"), [r.last_month for r in rows], "#2563eb"),
            (_("This month"), [r.this_month for r in rows], "#b4461b"),
        ])


def economy_people(access: Access) -> QuerySet[Person]:
    """The whole organisation for a ledger viewer over all of it, else the people whose orders one handles."""
    if access.scope(Perm.LEDGER_VIEW).everything:
        return Person.objects.all()
    return access.people(Perm.REWARDS_MANAGE)


def may_see_economy(access: Access) -> bool:
    return access.scope(Perm.LEDGER_VIEW).everything or access.sees_others(Perm.REWARDS_MANAGE)


def economy_dashboard(*, access: Access, now: dt.datetime | None = None, threshold: int = LOW_STOCK
                      ) -> EconomyDashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    people = economy_people(access)
    starts = month_starts(today)
    entries = Entry.objects.filter(account__person__in=people.values("pk"), account__currency=Currency.POINTS)
    sums = {}
    for i, start in enumerate(starts):
        window = Q(occurred_at__gte=_local(start), occurred_at__lt=_local(_next_month(start)))
        sums[f"issued{i}"] = Sum("amount", filter=window & Q(kind__in=EARNED_KINDS))
        sums[f"spent{i}"] = Sum("amount", filter=window & Q(kind__in=(EntryKind.SPEND, EntryKind.REFUND)))
        sums[f"expired{i}"] = Sum("amount", filter=window & Q(kind=EntryKind.EXPIRY))
    sums["opening"] = Sum("amount", filter=Q(occurred_at__lt=_local(starts[0])))
    totals = entries.aggregate(**sums)
    running = totals["opening"] or ZERO
    months = []
    for i, start in enumerate(starts):
        issued, spent, expired = (totals[f"{k}{i}"] or ZERO for k in ("issued", "spent", "expired"))
        running += issued + spent + expired
        months.append(EconomyMonth(month=start, issued=issued, spent=-spent, expired=-expired, outstanding=running))
    outstanding = Account.objects.filter(person__in=people.values("pk"), currency=Currency.POINTS).aggregate(
        total=Sum("balance"))["total"] or ZERO
    on_sale = Reward.objects.filter(is_active=True).filter(Q(active_to__isnull=True) | Q(active_to__gt=now))
    catalogue = on_sale.aggregate(average=Avg("price"), stock_points=Sum(models_price_times_stock()),
                                  count=Count("pk"), costed=Count("pk", filter=Q(unit_cost__isnull=False)),
                                  cost=Sum("unit_cost"), costed_price=Sum("price", filter=Q(unit_cost__isnull=False)))
    # A point is worth what the rewards cost for the points they take, over the catalogue on sale (each
    # reward once); the liability is the points held at that rate.
    rate = (Decimal(catalogue["cost"]) / Decimal(catalogue["costed_price"])).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP) if catalogue["costed_price"] else None
    average = catalogue["average"]
    average = Decimal(average).quantize(ONE_PLACE, rounding=ROUND_HALF_UP) if average else None
    stock_points = Decimal(catalogue["stock_points"] or 0)
    this_month = starts[-1]
    last_month = starts[-2]
    last_year = dt.date(this_month.year - 1, this_month.month, 1)

    def window(day):
        return Q(occurred_at__gte=_local(day), occurred_at__lt=_local(_next_month(day)))

    rules = (entries.filter(kind__in=EARNED_KINDS).filter(window(this_month) | window(last_month) | window(last_year))
             .values("rule_label").annotate(now=Sum("amount", filter=window(this_month)),
                                            month=Sum("amount", filter=window(last_month)),
                                            year=Sum("amount", filter=window(last_year))))
    rules = list(rules)
    names = rule_names([row["rule_label"] for row in rules])
    changes = [RuleChange(rule=names.get(row["rule_label"]) or str(_("Manual and other")),
                          this_month=row["now"] or ZERO, last_month=row["month"] or ZERO,
                          last_year=row["year"] or ZERO) for row in rules]
    changes.sort(key=lambda r: (-r.this_month, r.rule))
    return EconomyDashboard(
        months=months, outstanding=outstanding, average_price=average,
        rewards_coverable=(outstanding / average).quantize(ONE_PLACE, rounding=ROUND_HALF_UP) if average else None,
        stock_points=stock_points, coverage=_percent(stock_points, outstanding) if outstanding > 0 else None,
        yuan_per_point=rate,
        liability=(outstanding * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if rate is not None else None,
        costed=catalogue["costed"], on_sale=catalogue["count"],
        low_stock=list(on_sale.filter(stock__isnull=False, stock__lt=threshold).order_by("stock", "code")[:20]),
        threshold=threshold, rules=changes,
    )


def models_price_times_stock():
    return ExpressionWrapper(F("price") * F("stock"), output_field=DecimalField(max_digits=20, decimal_places=2))




def dashboards_for(access: Access) -> list[tuple[str, str]]:
    """The dashboards a viewer may open, as (url name, label), for the home page."""
    found = []
    if access.sees_others(Perm.LEARNING_VIEW):
        found.append(("dashboards:team", _("My team at a glance")))
    if access.sees_others(Perm.TRACKING_VIEW) or access.sees_others(Perm.LEARNING_VIEW):
        found.append(("dashboards:training", _("Training dashboard")))
    if may_see_economy(access):
        found.append(("dashboards:economy", _("Points economy")))
    return found
