"""Levels and leaderboards, read from the ledger.

"Earned" points are what awards, penalties and adjustments (and reversals of those) add up to in a window.
Spending, refunds and expiry are left out, so redeeming a reward or letting points lapse never lowers a
level or a rank; a penalty does, as it should.

Boards read the ledger's standings (points earned per person per calendar period, written with the
entries in one transaction): the top of a board is the first rows of an index, and a rank is a count
of the people ahead. Levels over a rolling window sum one person's entries.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.ledger import standings
from jifen.ledger.expiry import add_months
from jifen.ledger.models import Standing
from jifen.ledger.standings import PERIODS, earned_total, period_bounds
from jifen.org.models import OrgUnit, Person, Position
from jifen.recognition.models import Level, LevelWindow, Preference, RecognitionSettings

__all__ = ["PERIODS", "BadScope", "Board", "leaderboard", "level_of", "period_bounds", "rank_of"]

BOARD_SIZE = 50
clock = time.time  # wall-clock seconds (processes on several machines may share the cache); tests move it
NEIGHBOURS = 2
ZERO = Decimal("0.00")


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


def level_of(*, person: Person, now: dt.datetime | None = None, chosen: RecognitionSettings | None = None,
             year_points: Decimal | None = None) -> LevelProgress:
    """``year_points``: the person's standing for this calendar year, when the caller has read it; it is
    the level's count when levels count the calendar year (the standings sum the same entries)."""
    now = now or timezone.now()
    chosen = chosen or RecognitionSettings.current()
    start, end = level_window(chosen, now)
    if year_points is not None and chosen.level_window == LevelWindow.YEAR:
        earned = year_points
    else:
        earned = earned_total(person_id=person.pk, start=start, end=end)
    levels = Level.ladder()
    reached = [level for level in levels if level.min_points <= earned]
    above = [level for level in levels if level.min_points > earned]
    return LevelProgress(earned=earned, level=reached[-1] if reached else None, next_level=above[0] if above else None,
                         window=chosen.get_level_window_display())


# ---------------------------------------------------------------- leaderboards


class BadScope(ValueError):
    pass


@dataclass
class Scope:
    key: str  # company | unit:<id> | position:<id> | newhire
    label: str
    people: QuerySet[Person]
    standings: Q  # the same group, over the standings' copied attributes


def scope_for(key: str, *, now: dt.datetime) -> Scope:
    active = Person.objects.exclude(status=Person.Status.LEFT)
    kind, _sep, value = (key or "company").partition(":")
    if kind == "company" and not value:
        return Scope("company", _("Whole company"), active, Q())
    if kind == "newhire" and not value:
        months = RecognitionSettings.current().new_hire_months
        since = add_months(timezone.localtime(now).date(), -months)
        return Scope("newhire", _("New hires (joined in the last %(months)d months)") % {"months": months},
                     active.filter(hire_date__gte=since), Q(hire_date__gte=since))
    if kind in ("unit", "position") and value.isdigit():
        if kind == "unit":
            unit = OrgUnit.objects.filter(pk=int(value), archived_at__isnull=True).first()
            if unit is not None:
                units = list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
                return Scope(f"unit:{unit.pk}", unit.name_path, active.filter(org_unit_id__any=units),
                             Q(org_unit_id__any=units))
        else:
            position = Position.objects.filter(pk=int(value)).first()
            if position is not None:
                return Scope(f"position:{position.pk}", position.name, active.filter(position=position),
                             Q(position_id=position.pk))
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


GROUP_SIZE_SECONDS = 300


def group_size(scope: Scope) -> int:
    """The group's head count, for the smallest-group rule. It changes with the roster, not with every
    posting, and counting a whole company costs more than the rest of a board: it is kept five minutes."""
    digest = hashlib.sha256(str(scope.people.query).encode()).hexdigest()[:32]  # the new hires' cut-off date too
    return cache.get_or_set(f"jifen:board-group:{digest}", scope.people.count, GROUP_SIZE_SECONDS)


def _ranked(scope: Scope, period: str, start: dt.datetime) -> QuerySet[Standing]:
    """The standings of everyone in the group who earned more than nothing in the period."""
    return Standing.objects.filter(scope.standings, period=period, start=timezone.localtime(start).date(),
                                   active=True, points__gt=0)


def _top(ranked: QuerySet[Standing], size: int) -> list[Row]:
    """The first ``size`` rows, best first; equal points share a rank (1, 2, 2, 4)."""
    rows, previous, rank = [], None, 0
    top = ranked.order_by("-points", "person_id").values_list("person_id", "points")[:size] if size else []
    for position, (person_id, points) in enumerate(top, start=1):
        if points != previous:
            rank, previous = position, points
        rows.append(Row(rank, person_id, points))
    return rows


@dataclass
class Ranks:
    """How many people of a board have more than a given number of points, from the board's histogram
    (points → how many have exactly that many): ``ahead[i]`` people have more than ``values[i]``."""

    values: list[Decimal]  # distinct points, ascending
    ahead: list[int]
    total: int
    stamp: int  # the standings' change stamp it was counted at
    counted_at: float  # wall-clock seconds: processes on several machines share the cache

    @classmethod
    def count(cls, ranked: QuerySet[Standing], stamp: int) -> Ranks:
        histogram = list(ranked.order_by().values_list("points").annotate(n=Count("*")).values_list("points", "n"))
        histogram.sort()
        values, ahead, more = [], [], 0
        for points, n in reversed(histogram):
            values.append(points)
            ahead.append(more)
            more += n
        values.reverse()
        ahead.reverse()
        return cls(values=values, ahead=ahead, total=more, stamp=stamp, counted_at=clock())

    def rank(self, points: Decimal) -> int:
        """One more than the number of people with more points (equal points share a rank)."""
        i = bisect.bisect_right(self.values, points)  # values[i:] are more; values[i - 1] is at most ``points``
        return 1 + (self.ahead[i - 1] if i else self.total)


def _ranks(period: str, start: dt.datetime, ranked: QuerySet[Standing]) -> Ranks:
    """The board's histogram, counted again only when the standings of this period changed (in this
    process, or in any process sharing the cache) and the last count is older than
    JIFEN_BOARD_RANKS_SECONDS. A quiet board is exact; a busy one ranks against counts at most that many
    seconds old, while the top of the board and everyone's own points are always read live."""
    stamp = cache.get(standings.stamp_key(period, timezone.localtime(start).date()), 0)
    digest = hashlib.sha256(str(ranked.query).encode()).hexdigest()[:32]
    key = f"jifen:board-ranks:{digest}"
    ranks = cache.get(key)
    fresh_for = settings.JIFEN_BOARD_RANKS_SECONDS
    if ranks is None or (ranks.stamp != stamp and clock() - ranks.counted_at >= fresh_for):
        ranks = Ranks.count(ranked, stamp)
        cache.set(key, ranks, 3600)
    return ranks


def _around(ranked: QuerySet[Standing], viewer_id: int, mine: Decimal, ranks: Ranks) -> tuple[Row, list[Row]]:
    """The viewer's row and their neighbours, their ranks from the board's histogram."""
    # Those just above: first the ones with my points and a smaller number, then those with more points,
    # each an index range (a single OR of the two would make the database read the whole board).
    row = ("person_id", "points")
    above = list(ranked.filter(points=mine, person_id__lt=viewer_id).order_by("-person_id").values_list(*row)
                 [:NEIGHBOURS])
    if len(above) < NEIGHBOURS:
        above += ranked.filter(points__gt=mine).order_by("points", "-person_id").values_list(*row)[
            :NEIGHBOURS - len(above)]
    above.reverse()
    below = list(ranked.filter(points=mine, person_id__gt=viewer_id).order_by("person_id").values_list(*row)
                 [:NEIGHBOURS])
    if len(below) < NEIGHBOURS:
        below += ranked.filter(points__lt=mine).order_by("-points", "person_id").values_list(*row)[
            :NEIGHBOURS - len(below)]
    me = Row(ranks.rank(mine), viewer_id, mine)
    around = [Row(ranks.rank(points), person_id, points) for person_id, points in above]
    around += [me] + [Row(ranks.rank(points), person_id, points) for person_id, points in below]
    return me, around


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
    board = Board(scope=scope, period=period, start=start, end=end, group_size=group_size(scope),
                  min_group_size=RecognitionSettings.current().min_group_size)
    if board.too_small:
        return board
    ranked = _ranked(scope, period, start)
    ranks = _ranks(period, start, ranked)
    board.ranked = ranks.total
    board.rows = _top(ranked, size)
    mine = None if viewer_id is None else ranked.filter(person_id=viewer_id).values_list("points", flat=True).first()
    if mine is not None:
        board.mine, board.neighbours = _around(ranked, viewer_id, mine, ranks)
    _describe(board.rows + board.neighbours + ([board.mine] if board.mine else []), viewer_id)
    return board


UNREAD = object()


def rank_only(*, person: Person, scope_key: str = "company", period: str = "year", now: dt.datetime | None = None,
              chosen: RecognitionSettings | None = None, points=UNREAD) -> tuple[int | None, int]:
    """A person's rank on a board and how many are ranked, without the board: the person's points and the
    board's histogram (kept as for the boards), so it costs the same at a hundred thousand people as at ten.
    No rank in a group smaller than the privacy minimum, nor for someone who earned nothing. ``points``:
    the person's points on that board when the caller has read them (None: not on it)."""
    now = now or timezone.now()
    scope = scope_for(scope_key, now=now)
    if group_size(scope) < (chosen or RecognitionSettings.current()).min_group_size:
        return None, 0
    start, _end = period_bounds(period, now)
    ranked = _ranked(scope, period, start)
    ranks = _ranks(period, start, ranked)
    mine = ranked.filter(person_id=person.pk).values_list("points", flat=True).first() if points is UNREAD else points
    return (ranks.rank(mine) if mine is not None else None), ranks.total


def rank_of(*, person: Person, scope_key: str = "company", period: str = "month",
            now: dt.datetime | None = None) -> Board:
    return leaderboard(scope_key=scope_key, period=period, viewer_id=person.pk, now=now, size=0)
