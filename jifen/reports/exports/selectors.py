"""Reads behind the reports and exports. Everything here reads the other apps and writes nothing.

The monthly points report reads the month's sums for its whole scope first (``month_sums``: four grouped
queries over the entries since the month began), then goes through the people chunk by chunk, one query
a chunk, writing each person's row as it goes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum

from jifen.catalog import selectors as catalog
from jifen.ledger.models import Account, Currency, Entry, EntryKind
from jifen.org.models import OrgUnit, Person
from jifen.org.permissions import Access, Perm
from jifen.rules.selectors import rule_names

ZERO = Decimal(0)
CHUNK = 2000


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first day of the month, first day of the next month) at local midnight."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(following, dt.time.min, tzinfo=tz)


# ---------------------------------------------------------------- who may see a monthly report


def may_see_report(access: Access, unit: OrgUnit | None) -> bool:
    """Points of a whole unit are for those who see the points of others over it (the organisation's
    for those who see everyone's)."""
    if not access.sees_others(Perm.LEDGER_VIEW):
        return False
    if unit is None:
        return access.scope(Perm.LEDGER_VIEW).everything
    return access.can_unit(Perm.LEDGER_VIEW, unit)


def report_units(access: Access) -> QuerySet[OrgUnit]:
    return access.units(Perm.LEDGER_VIEW).filter(archived_at__isnull=True).order_by("name_path")


def reports_visible(access: Access):
    from jifen.reports.exports.models import ReportFile

    files = ReportFile.objects.select_related("scope_unit", "job_run", "requested_by").order_by("-created_at", "-pk")
    scope = access.scope(Perm.LEDGER_VIEW)
    if scope.everything:
        return files
    if not access.sees_others(Perm.LEDGER_VIEW):
        return files.none()
    return files.filter(scope_unit__in=OrgUnit.objects.filter(scope.unit_q()).values("pk"))


# ---------------------------------------------------------------- the monthly points report


@dataclass(frozen=True, slots=True)
class ReportPerson:
    """What a report row shows of a person, read as plain values (no model instances for 100,000 rows)."""

    pk: int
    employee_no: str
    name: str
    status: str
    unit_path: str
    unit_name: str  # the full name path, 总部/研发中心/平台组
    position_name: str


@dataclass
class PersonMonth:
    person: ReportPerson
    opening: Decimal = ZERO
    earned: Decimal = ZERO  # awards
    penalties: Decimal = ZERO  # negative
    other: Decimal = ZERO  # adjustments and reversals
    spent: Decimal = ZERO  # spending net of refunds, as a positive amount
    expired: Decimal = ZERO  # positive
    credits: Decimal = ZERO  # credits earned this year up to the month's end
    target: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.earned + self.penalties + self.other - self.spent - self.expired

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.credits, ZERO)


@dataclass
class UnitMonth:
    """Totals of a unit and everything below it (or of the organisation)."""

    unit: OrgUnit | None
    people: int = 0
    opening: Decimal = ZERO
    earned: Decimal = ZERO
    penalties: Decimal = ZERO
    other: Decimal = ZERO
    spent: Decimal = ZERO
    expired: Decimal = ZERO
    closing: Decimal = ZERO
    credits: Decimal = ZERO
    target: Decimal = ZERO
    met: int = 0  # people whose credits this year reached their target
    by_rule: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    SUMMED = ("opening", "earned", "penalties", "other", "spent", "expired", "closing", "credits", "target")

    def add(self, row: PersonMonth) -> None:
        self.people += 1
        for name in self.SUMMED:
            setattr(self, name, getattr(self, name) + getattr(row, name))
        self.met += row.credits >= row.target

    def merge(self, other: UnitMonth) -> None:
        """Add another unit's totals (a sub-unit's, when rolling up the tree)."""
        self.people += other.people
        self.met += other.met
        for name in self.SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def name(self) -> str:
        return self.unit.name_path if self.unit else ""

    @property
    def depth(self) -> int:
        return self.unit.depth if self.unit else 0

    @property
    def met_percent(self) -> int:
        return round(100 * self.met / self.people) if self.people else 0

    def rules(self) -> list[tuple[str, Decimal]]:
        return sorted(self.by_rule.items(), key=lambda item: (-item[1], item[0]))


def scope_people(unit: OrgUnit | None) -> QuerySet[Person]:
    """Everyone in the unit's subtree (or the organisation), those who left too: their month still counts."""
    people = Person.objects.all()
    if unit is not None:
        people = people.filter(org_unit__path__startswith=unit.path)
    return people


def report_people(unit: OrgUnit | None) -> list[int]:
    return list(scope_people(unit).order_by("org_unit__path", "employee_no", "pk").values_list("pk", flat=True))


@dataclass
class MonthSums:
    """A month's figures for everyone in a report's scope, read in four grouped queries whatever the number
    of people, and only over the entries since the month began (plus the year's credits): the opening
    balance is the balance now less everything since, which ``jifen verify`` proves equal to the sum of all
    entries before the month, without reading them."""

    month: dt.date
    balances: dict[int, Decimal]  # person → points balance now
    since: dict[int, dict[str, Decimal]]  # person → sums since the month began (see ``month_sums``)
    credits: dict[int, Decimal]  # person → credits this year up to the month's end
    rules: dict[int, dict[str, Decimal]]  # org unit id → rule → points earned in the month by its own people


def month_sums(people: QuerySet[Person] | None, month: dt.date) -> MonthSums:
    """``people``: whose figures (None: everyone, without a filter). The accounts, then the points since the
    month began grouped by account (no join), the year's credits and the month's awards by unit and rule,
    all from one snapshot; on PostgreSQL without JIT compilation, which costs more than it saves on queries
    run once (about 1.5 s each at 10 million entries)."""
    from jifen.ledger.selectors import year_bounds

    start, end = month_bounds(month)
    year_start, _year_end = year_bounds(month.year)
    accounts = Account.objects.filter(currency__in=(Currency.POINTS, Currency.CREDITS))
    if people is not None:
        accounts = accounts.filter(person__in=people.values("pk"))
    in_month = Q(occurred_at__gte=start, occurred_at__lt=end)

    def part(*kinds):
        return Sum("amount", filter=in_month & Q(kind__in=kinds))

    entries = Entry.objects.all()
    if people is not None:
        entries = entries.filter(account__in=accounts.values("pk"))
    with _consistent_read():
        owners = {pk: (person, currency, balance) for pk, person, currency, balance in
                  accounts.values_list("pk", "person_id", "currency", "balance")}
        balances = {person: balance for person, currency, balance in owners.values() if currency == Currency.POINTS}
        since: dict[int, dict[str, Decimal]] = {}
        for row in entries.filter(occurred_at__gte=start).values("account_id").annotate(
                total=Sum("amount"), earned=part(EntryKind.AWARD), penalties=part(EntryKind.PENALTY),
                other=part(EntryKind.ADJUSTMENT, EntryKind.REVERSAL), spent=part(EntryKind.SPEND, EntryKind.REFUND),
                expired=part(EntryKind.EXPIRY)):
            person, currency, _balance = owners.get(row.pop("account_id"), (None, None, None))
            if currency == Currency.POINTS:
                since[person] = row
        credits = {row["account__person_id"]: row["total"] or ZERO for row in entries.filter(
            account__currency=Currency.CREDITS, occurred_at__gte=year_start, occurred_at__lt=end,
        ).values("account__person_id").annotate(total=Sum("amount"))}
        rules: dict[int, dict[str, Decimal]] = defaultdict(dict)
        awarded = entries.filter(in_month, kind=EntryKind.AWARD, account__currency=Currency.POINTS)
        for row in (awarded.values("account__person__org_unit_id", "rule_label").annotate(total=Sum("amount"))):
            rules[row["account__person__org_unit_id"]][row["rule_label"]] = row["total"] or ZERO
    return MonthSums(month=month, balances=balances, since=since, credits=credits, rules=rules)


@contextmanager
def _consistent_read():
    """One transaction, one snapshot for every read in it: the balances and the entries since the month
    began must agree even while points keep arriving (PostgreSQL: REPEATABLE READ, when this starts the
    transaction; SQLite's reads in a transaction share one snapshot anyway). And no JIT on PostgreSQL."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if not outer:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET LOCAL jit = off")
        yield


def month_rows(person_ids: list[int], month: dt.date, sums: MonthSums | None = None) -> list[PersonMonth]:
    """One chunk of people and their month (``sums`` read for them alone when not given): one query more."""
    if sums is None:
        sums = month_sums(Person.objects.filter(pk__in=person_ids), month)
    people = (Person.objects.filter(pk__any=person_ids).order_by("org_unit__path", "employee_no", "pk")
              .values_list("pk", "employee_no", "name", "status", "org_unit__path", "org_unit__name_path",
                           "position__name", "position__annual_credit_target", "hire_date"))
    rows = []
    for pk, employee_no, name, status, path, unit_name, position, target, hired in people:
        found = sums.since.get(pk, {})
        rows.append(PersonMonth(
            person=ReportPerson(pk=pk, employee_no=employee_no, name=name, status=status, unit_path=path,
                                unit_name=unit_name, position_name=position or ""),
            opening=sums.balances.get(pk, ZERO) - (found.get("total") or ZERO),
            earned=found.get("earned") or ZERO, penalties=found.get("penalties") or ZERO,
            other=found.get("other") or ZERO, spent=-(found.get("spent") or ZERO),
            expired=-(found.get("expired") or ZERO), credits=sums.credits.get(pk, ZERO),
            # against the year's target: the position's, pro-rated by hire date, as in ``catalog.gap_rows``
            target=catalog.prorated_target(base=Decimal(target or 0), hire_date=hired, year=month.year)))
    return rows


class MonthlyTotals:
    """Running totals per unit (each person counts in their unit and every unit above it inside the
    report's scope) and for the whole report."""

    def __init__(self, unit: OrgUnit | None):
        self.scope = unit
        units = OrgUnit.objects.all() if unit is None else OrgUnit.objects.filter(path__startswith=unit.path)
        self.units = {u.path: UnitMonth(unit=u) for u in units.order_by("path")}
        self.total = UnitMonth(unit=unit)
        self._own: dict[str, UnitMonth] = {}  # unit path → the month of the people placed on it
        self._rolled = True

    def _above(self, path: str) -> list[UnitMonth]:
        step = OrgUnit.steplen
        return [self.units[path[:end]] for end in range(step, len(path) + 1, step) if path[:end] in self.units]

    def add(self, rows: list[PersonMonth]) -> None:
        """Each person counts in their own unit now; ``departments`` rolls the units up the tree once."""
        for row in rows:
            own = self._own.get(row.person.unit_path)
            if own is None:
                own = self._own[row.person.unit_path] = UnitMonth(unit=None)
            own.add(row)
            self.total.add(row)
        self._rolled = False

    def _roll_up(self) -> None:
        if self._rolled:
            return
        for unit in self.units.values():
            rules = unit.by_rule
            unit.__dict__.update(UnitMonth(unit=unit.unit).__dict__)
            unit.by_rule = rules
        for path, own in self._own.items():
            for target in self._above(path):
                target.merge(own)
        self._rolled = True

    def add_rules(self, rules: dict[int, dict[str, Decimal]]) -> None:
        """Points earned by rule, per unit of the earners (``MonthSums.rules``), up the tree."""
        paths = {u.unit.pk: path for path, u in self.units.items()}
        names = rule_names(sorted({code for by_rule in rules.values() for code in by_rule}))
        for unit_id, by_rule in rules.items():
            if unit_id not in paths:
                continue
            for target in [*self._above(paths[unit_id]), self.total]:
                for code, points in by_rule.items():
                    target.by_rule[names.get(code, code)] += points

    def departments(self) -> list[UnitMonth]:
        self._roll_up()
        return [u for u in self.units.values() if u.people]


def iter_chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


# ---------------------------------------------------------------- appraisal / promotion eligibility (seed 003)


@dataclass
class Eligibility:
    gap: catalog.GapRow
    certificates: list[str]

    @property
    def person(self) -> Person:
        return self.gap.person

    @property
    def eligible(self) -> bool:
        return self.gap.missing <= 0 and self.gap.required_missing <= 0


def eligibility_rows(people: QuerySet[Person], *, year: int, now: dt.datetime) -> Iterator[Eligibility]:
    """Who meets the year's credit requirement (total and required share) and who does not by how
    much, with the certificates they hold; a fixed number of queries per chunk of 2,000 people."""
    from jifen.recognition.models import Certificate

    ids = list(people.values_list("pk", flat=True))
    for chunk in iter_chunks(ids):
        found = list(Person.objects.filter(pk__in=chunk).select_related("org_unit", "position")
                     .order_by("org_unit__path", "employee_no"))
        held = defaultdict(list)
        for person_id, title in (Certificate.objects.filter(person_id__in=chunk, revoked_at__isnull=True)
                                 .order_by("issued_at", "pk").values_list("person_id", "title")):
            held[person_id].append(title)
        for gap in catalog.gap_rows(people=found, now=now, year=year):
            yield Eligibility(gap=gap, certificates=held.get(gap.person.pk, []))


# ---------------------------------------------------------------- a person's learning record (学习档案)


def learning_record(person: Person) -> dict:
    from jifen.catalog.models import Enrolment
    from jifen.ledger.models import Account
    from jifen.recognition.models import Certificate
    from jifen.rules.models import Event, EventType
    from jifen.tracking.followup.models import TestResult
    from jifen.tracking.growth.models import ApplicationCase, Observation

    completed = list(Event.objects.filter(person=person, type=EventType.COURSE_COMPLETED, course__isnull=False)
                     .select_related("course").order_by("occurred_at"))
    enrolments = list(Enrolment.objects.filter(person=person, status=Enrolment.Status.ENROLLED)
                      .select_related("session__course").order_by("session__starts_at"))
    years = list(Entry.objects.filter(account__person=person, account__currency=Currency.CREDITS)
                 .values("occurred_at__year").annotate(
                     total=Sum("amount"), required=Sum("amount", filter=Q(credit_type="required")))
                 .order_by("occurred_at__year"))
    points = Entry.objects.filter(account__person=person, account__currency=Currency.POINTS).aggregate(
        earned=Sum("amount", filter=Q(kind=EntryKind.AWARD)),
        spent=Sum("amount", filter=Q(kind__in=[EntryKind.SPEND, EntryKind.REFUND])),
        expired=Sum("amount", filter=Q(kind=EntryKind.EXPIRY)))
    balance = Account.objects.filter(person=person, currency=Currency.POINTS).values_list("balance", flat=True).first()
    return {
        "person": person,
        "completed": completed,
        "enrolments": enrolments,
        "years": [{"year": y["occurred_at__year"], "total": y["total"] or ZERO, "required": y["required"] or ZERO,
                   "elective": (y["total"] or ZERO) - (y["required"] or ZERO)} for y in years],
        "points": {"balance": balance or ZERO, "earned": points["earned"] or ZERO,
                   "spent": -(points["spent"] or ZERO), "expired": -(points["expired"] or ZERO)},
        "certificates": list(Certificate.objects.filter(person=person).select_related("course")
                             .order_by("issued_at", "pk")),
        "results": list(TestResult.objects.filter(person=person).select_related("plan", "course")
                        .order_by("taken_on", "pk")),
        "observations": list(Observation.objects.filter(person=person).select_related("course")
                             .order_by("observed_on", "pk")),
        "cases": list(ApplicationCase.objects.filter(person=person).select_related("course")
                      .order_by("applied_on", "pk")),
    }


# ---------------------------------------------------------------- the lists, filtered as on their own pages


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)) if day else None


def people_export(access: Access, params) -> QuerySet[Person]:
    """``org:people``: PEOPLE_VIEW scope, filtered by search, unit, position and status."""
    from jifen.org import selectors as org
    from jifen.org.forms import PeopleFilterForm

    form = PeopleFilterForm(params or None, units=org.unit_choices(access=access))
    filters = form.cleaned_data if form.is_valid() else {}
    return org.person_list(access=access, query=filters.get("q") or "", unit=filters.get("unit"),
                           position=filters.get("position"), status=filters.get("status") or "")


def entries_export(access: Access, params) -> QuerySet[Entry]:
    """``ledger:search``: entries of the people whose points one sees, by person, rule, kind and dates."""
    from jifen.ledger import selectors as ledger
    from jifen.reports.exports.forms import LedgerFilterForm

    form = LedgerFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    return ledger.ledger_search(
        access=access, query=data.get("q") or "", rule=data.get("rule") or "", kind=data.get("kind") or "",
        currency=data.get("currency") or "", start=_midnight(data.get("start")),
        end=_midnight(data.get("end"))).select_related("account__person__org_unit", "actor")


def orders_export(access: Access, params):
    """``rewards:orders``: orders of people in scope, by status (awaiting approval unless told)."""
    from jifen.rewards.models import RedemptionStatus
    from jifen.rewards.selectors import orders_in_scope

    status = params.get("status", RedemptionStatus.PENDING)
    found = orders_in_scope(access=access)
    if status in RedemptionStatus.values:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-pk")


def results_export(access: Access, params):
    """``followup:results``: test results of the people one follows, by grade."""
    from jifen.tracking.followup.models import Grade
    from jifen.tracking.followup.selectors import results_in_scope

    grade = params.get("grade", "")
    return results_in_scope(access, grade if grade in Grade.values else "")


def eligibility_people(access: Access, params) -> QuerySet[Person]:
    """``catalog:gap_report``: LEARNING_VIEW scope, by search and unit."""
    from jifen.catalog.forms import GapFilterForm

    form = GapFilterForm(params or None, units=access.units(Perm.LEARNING_VIEW).order_by("path"))
    filters = form.cleaned_data if form.is_valid() else {}
    return catalog.gap_people(access=access, q=filters.get("q", ""), unit=filters.get("unit"))
