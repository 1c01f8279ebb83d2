"""Levels and leaderboards, read from the ledger.

"Earned" points are what awards, penalties and adjustments (and reversals of those) add up to in a window.
Spending, refunds and expiry are left out, so redeeming a reward or letting points lapse never lowers a
level or a rank; a penalty does, as it should.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.ledger.expiry import add_months
from jifen.ledger.models import Currency, Entry, EntryKind
from jifen.org.models import OrgUnit, Person, Position
from jifen.recognition.models import Level, LevelWindow, Preference, RecognitionSettings

EARNED_KINDS = [EntryKind.AWARD, EntryKind.PENALTY, EntryKind.ADJUSTMENT]
PERIODS = ("week", "month", "season", "year")
BOARD_SIZE = 50
NEIGHBOURS = 2
ZERO = Decimal("0.00")


def earned_entries(start: dt.datetime | None, end: dt.datetime) -> QuerySet[Entry]:
    entries = Entry.objects.filter(account__currency=Currency.POINTS, occurred_at__lt=end).filter(
        Q(kind__in=EARNED_KINDS) | Q(kind=EntryKind.REVERSAL, reverses__kind__in=EARNED_KINDS))
    return entries.filter(occurred_at__gte=start) if start is not None else entries


def period_bounds(period: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the week (from Monday), month, season (quarter) or year containing ``now``, local time."""
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if period == "month":
        start = day.replace(day=1)
        months = 1
    elif period == "season":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    elif period == "year":
        start = day.replace(month=1, day=1)
        months = 12
    else:
        raise ValueError(period)
    end_day = add_months(start.date(), months)
    return start, start.replace(year=end_day.year, month=end_day.month, day=1)


def period_label(period: str) -> str:
    return {"week": _("This week"), "month": _("This month"), "season": _("This season"),
            "year": _("This year")}[period]


# ---------------------------------------------------------------- levels


@dataclass
class LevelProgress:
    earned: Decimal
    level: Level | None
    next_level: Level | None
    window: str

    @property
    def to_next(self) -> Decimal | None:
        return None if self.next_level is None else max(self.next_level.min_points - self.earned, ZERO)

    @property
    def percent(self) -> int:
        if self.next_level is None:
            return 100
        floor = self.level.min_points if self.level else ZERO
        span = self.next_level.min_points - floor
        return int(max(min((self.earned - floor) / span * 100, 100), 0)) if span > 0 else 100


def level_window(settings: RecognitionSettings, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime]:
    if settings.level_window == LevelWindow.YEAR:
        return period_bounds("year", now)
    if settings.level_window == LevelWindow.ROLLING:
        local = timezone.localtime(now)
        back = add_months(local.date(), -12)
        return local.replace(year=back.year, month=back.month, day=back.day), now
    return None, now


def level_of(*, person: Person, now: dt.datetime | None = None) -> LevelProgress:
    now = now or timezone.now()
    settings = RecognitionSettings.current()
    start, end = level_window(settings, now)
    earned = earned_entries(start, end).filter(account__person=person).aggregate(t=Sum("amount"))["t"] or ZERO
    levels = list(Level.objects.all())
    reached = [level for level in levels if level.min_points <= earned]
    above = [level for level in levels if level.min_points > earned]
    return LevelProgress(earned=earned, level=reached[-1] if reached else None, next_level=above[0] if above else None,
                         window=settings.get_level_window_display())


# ---------------------------------------------------------------- leaderboards


class BadScope(ValueError):
    pass


@dataclass
class Scope:
    key: str  # company | unit:<id> | position:<id> | newhire
    label: str
    people: QuerySet[Person]


def scope_for(key: str, *, now: dt.datetime) -> Scope:
    active = Person.objects.exclude(status=Person.Status.LEFT)
    kind, _sep, value = (key or "company").partition(":")
    if kind == "company" and not value:
        return Scope("company", _("Whole company"), active)
    if kind == "newhire" and not value:
        months = RecognitionSettings.current().new_hire_months
        since = add_months(timezone.localtime(now).date(), -months)
        return Scope("newhire", _("New hires (joined in the last %(months)d months)") % {"months": months},
                     active.filter(hire_date__gte=since))
    if kind in ("unit", "position") and value.isdigit():
        if kind == "unit":
            unit = OrgUnit.objects.filter(pk=int(value), archived_at__isnull=True).first()
            if unit is not None:
                return Scope(f"unit:{unit.pk}", unit.name_path,
                             active.filter(org_unit__in=OrgUnit.objects.filter(path__startswith=unit.path)))
        else:
            position = Position.objects.filter(pk=int(value)).first()
            if position is not None:
                return Scope(f"position:{position.pk}", position.name, active.filter(position=position))
    raise BadScope(_("Unknown leaderboard “%(scope)s”: use company, newhire, unit:<id> or position:<id>.")
                   % {"scope": key})


@dataclass
class Row:
    rank: int
    person_id: int
    points: Decimal
    name: str = ""
    employee_no: str = ""
    unit: str = ""
    anonymous: bool = False
    me: bool = False


@dataclass
class Board:
    scope: Scope
    period: str
    start: dt.datetime
    end: dt.datetime
    group_size: int
    min_group_size: int
    rows: list[Row] = field(default_factory=list)
    ranked: int = 0
    mine: Row | None = None
    neighbours: list[Row] = field(default_factory=list)

    @property
    def too_small(self) -> bool:
        return self.group_size < self.min_group_size


def _ranking(scope: Scope, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int, Decimal]]:
    """(rank, person id, points) of everyone in the scope who earned more than nothing, best first;
    equal points share a rank (1, 2, 2, 4)."""
    totals = (earned_entries(start, end).filter(account__person__in=scope.people.values("pk"))
              .values_list("account__person_id").annotate(points=Sum("amount")).filter(points__gt=0)
              .order_by("-points", "account__person_id"))
    ranked, previous, rank = [], None, 0
    for position, (person_id, points) in enumerate(totals, start=1):
        if points != previous:
            rank, previous = position, points
        ranked.append((rank, person_id, points))
    return ranked


def _describe(rows: list[Row], viewer_id: int | None) -> None:
    people = {p.pk: p for p in Person.objects.filter(pk__in=[r.person_id for r in rows]).select_related("org_unit")}
    hidden = set(Preference.objects.filter(person_id__in=people, anonymous_on_boards=True)
                 .values_list("person_id", flat=True))
    for row in rows:
        person = people[row.person_id]
        row.me = row.person_id == viewer_id
        row.anonymous = row.person_id in hidden and not row.me
        if not row.anonymous:
            row.name, row.employee_no, row.unit = person.name, person.employee_no, person.org_unit.name


def leaderboard(*, scope_key: str, period: str, viewer_id: int | None = None, now: dt.datetime | None = None,
                size: int = BOARD_SIZE) -> Board:
    now = now or timezone.now()
    if period not in PERIODS:
        raise BadScope(_("Unknown period “%(period)s”: use week, month, season or year.") % {"period": period})
    scope = scope_for(scope_key, now=now)
    start, end = period_bounds(period, now)
    settings = RecognitionSettings.current()
    board = Board(scope=scope, period=period, start=start, end=end, group_size=scope.people.count(),
                  min_group_size=settings.min_group_size)
    if board.too_small:
        return board
    ranking = _ranking(scope, start, end)
    board.ranked = len(ranking)
    board.rows = [Row(rank, person_id, points) for rank, person_id, points in ranking[:size]]
    index = next((i for i, (_r, person_id, _p) in enumerate(ranking) if person_id == viewer_id), None)
    if index is not None:
        board.mine = Row(*ranking[index])
        board.neighbours = [Row(*item) for item in ranking[max(index - NEIGHBOURS, 0): index + NEIGHBOURS + 1]]
    _describe(board.rows + board.neighbours + ([board.mine] if board.mine else []), viewer_id)
    return board


def rank_of(*, person: Person, scope_key: str = "company", period: str = "month",
            now: dt.datetime | None = None) -> Board:
    return leaderboard(scope_key=scope_key, period=period, viewer_id=person.pk, now=now, size=0)
