"""Points earned per person and calendar period, kept beside the entries (see models.Standing).

``record`` runs inside ``services.post_many``'s transaction for every batch of entries, so a standing
is never behind the ledger and two writers of the same person are already serialised by the account's
row lock. ``rebuild`` recomputes standings from the entries (the migration that introduced them, and
``jifen verify --standings``), ``problems`` compares the two, and ``sync_people`` copies a person's
unit, position, hire date and status after they change.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from jifen.core.db import array_value
from jifen.ledger.expiry import add_months
from jifen.ledger.models import Currency, Entry, EntryKind, Period, Standing
from jifen.org.models import Person

EARNED_KINDS = (EntryKind.AWARD, EntryKind.PENALTY, EntryKind.ADJUSTMENT)
PERIODS = tuple(Period.values)
ZERO = Decimal("0.00")


def period_start(period: str, moment: dt.datetime | dt.date) -> dt.date:
    """The local date the week (from Monday), month, season (quarter) or year containing ``moment`` starts."""
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    if period == Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.SEASON:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if period == Period.YEAR:
        return day.replace(month=1, day=1)
    raise ValueError(period)


def period_end(period: str, start: dt.date) -> dt.date:
    if period == Period.WEEK:
        return start + dt.timedelta(days=7)
    return add_months(start, {Period.MONTH: 1, Period.SEASON: 3, Period.YEAR: 12}[period])


def period_bounds(period: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the period containing ``now``, as local midnights."""
    start = period_start(period, now)
    zone = timezone.get_current_timezone()
    as_moment = lambda day: dt.datetime.combine(day, dt.time(), tzinfo=zone)  # noqa: E731
    return as_moment(start), as_moment(period_end(period, start))


def earned_entries(start: dt.datetime | None, end: dt.datetime) -> QuerySet[Entry]:
    """Entries that count as earned points (for a level's rolling window, or to rebuild standings)."""
    entries = Entry.objects.filter(account__currency=Currency.POINTS, occurred_at__lt=end).filter(
        Q(kind__in=EARNED_KINDS) | Q(kind=EntryKind.REVERSAL, reverses__kind__in=EARNED_KINDS))
    return entries.filter(occurred_at__gte=start) if start is not None else entries


# ---------------------------------------------------------------- writing


def record(planned, currencies: dict[int, str], person_of: dict[int, int]) -> None:
    """Add the earned points of freshly planned entries to their people's standings.

    ``currencies`` and ``person_of`` map account ids to currency and person. Called by the ledger service
    in the posting transaction, after the accounts were locked."""
    reversed_ids = [p.posting.reverses_id for p in planned
                    if p.posting.kind == EntryKind.REVERSAL and currencies[p.account_id] == Currency.POINTS]
    reversed_earned = set(
        Entry.objects.filter(pk__any=reversed_ids, kind__in=EARNED_KINDS).values_list("pk", flat=True)
    ) if reversed_ids else set()
    totals: dict[tuple[int, str, dt.date], Decimal] = defaultdict(Decimal)
    zone = timezone.get_current_timezone()
    starts: dict[dt.date, list[tuple[str, dt.date]]] = {}  # a batch's events fall on a few days
    for p in planned:
        posting = p.posting
        if currencies[p.account_id] != Currency.POINTS:
            continue
        if posting.kind not in EARNED_KINDS and posting.reverses_id not in reversed_earned:
            continue
        local = posting.occurred_at.astimezone(zone).date()
        periods = starts.get(local)
        if periods is None:
            periods = starts[local] = [(period, period_start(period, local)) for period in PERIODS]
        person_id, amount = person_of[p.account_id], Decimal(posting.amount)
        for period, start in periods:
            totals[(person_id, period, start)] += amount
    add(totals)


def stamp_key(period: str, start: dt.date) -> str:
    return f"jifen:standings-changed:{period}:{start.isoformat()}"


def changed(*, rows: list[tuple[int, str, dt.date]] | None = None) -> None:
    """Tell the boards (through the cache) that these standings (person, period, start), or all of
    them, changed, so their rank counts are stale: now, and again once the transaction commits (a board
    counted in between, before the change was visible, is then counted again)."""
    periods = ({(period, start) for _person, period, start in rows} if rows is not None else
               set(Standing.objects.values_list("period", "start").distinct()))

    def mark():
        stamp = time.time_ns()
        cache.set_many({stamp_key(period, start): stamp for period, start in periods}, None)

    mark()
    transaction.on_commit(mark, using=router.db_for_write(Standing))


def add(totals: dict[tuple[int, str, dt.date], Decimal]) -> None:
    """Upsert (person, period, start) += points, copying the person's attributes into new rows.
    Rows go in (person, period, start) order, so concurrent writers take row locks in the same order."""
    rows = [(key, totals[key]) for key in sorted(totals) if totals[key]]
    if not rows:
        return
    changed(rows=[key for key, _amount in rows])
    connection = connections[router.db_for_write(Standing)]
    table = connection.ops.quote_name(Standing._meta.db_table)
    person_table = connection.ops.quote_name(Person._meta.db_table)
    # Table names come from the models, never from the data; the values are parameters.
    select = (f"SELECT v.period, v.start, v.person_id, v.points, p.org_unit_id, p.position_id, p.hire_date, "  # noqa: S608
              f"p.status <> 'left' FROM {{values}} JOIN {person_table} p ON p.id = v.person_id")
    upsert = (f"INSERT INTO {table} (period, start, person_id, points, org_unit_id, position_id, hire_date, active) "
              f"{select} {{where}} ON CONFLICT (period, start, person_id) "
              f"DO UPDATE SET points = {table}.points + excluded.points")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = "unnest(%s::varchar[], %s::date[], %s::bigint[], %s::numeric[]) AS v(period, start, person_id, points)"
            columns = list(zip(*[(period, start, person_id, amount) for (person_id, period, start), amount in rows],
                               strict=True))
            cursor.execute(upsert.format(values=values, where=""), [array_value(c) for c in columns])
            return
        # SQLite: a VALUES list in a CTE; "WHERE true" tells its parser ON CONFLICT is the upsert clause.
        for chunk_start in range(0, len(rows), 500):
            chunk = rows[chunk_start:chunk_start + 500]
            cte = "WITH v(period, start, person_id, points) AS (VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(chunk)) + ") "
            params = [x for (person_id, period, start), amount in chunk
                      for x in (period, start.isoformat(), person_id, str(amount))]
            cursor.execute(cte + upsert.format(values="v", where="WHERE true"), params)


# ---------------------------------------------------------------- the people's copied attributes


def sync_people(person_ids: Iterable[int] | None = None) -> int:
    """Copy unit, position, hire date and status from the people into their standings (all, or some)."""
    person = Person.objects.filter(pk=OuterRef("person_id"))
    rows = Standing.objects.all() if person_ids is None else Standing.objects.filter(person_id__any=list(person_ids))
    changed(rows=None if person_ids is None else list(rows.values_list("person_id", "period", "start")))
    return rows.update(
        org_unit_id=Subquery(person.values("org_unit_id")[:1]),
        position_id=Subquery(person.values("position_id")[:1]),
        hire_date=Subquery(person.values("hire_date")[:1]),
        active=Exists(person.exclude(status=Person.Status.LEFT)),
    )


# ---------------------------------------------------------------- rebuilding and checking


def computed() -> dict[tuple[int, str, dt.date], Decimal]:
    """Every standing as the entries say it should be."""
    totals: dict[tuple[int, str, dt.date], Decimal] = defaultdict(Decimal)
    daily = (earned_entries(None, dt.datetime.max.replace(tzinfo=dt.UTC))
             .values_list("account__person_id", "occurred_at", "amount"))
    for person_id, occurred_at, amount in daily.iterator(5000):
        local = timezone.localtime(occurred_at).date()
        for period in PERIODS:
            totals[(person_id, period, period_start(period, local))] += amount
    return totals


@transaction.atomic
def rebuild() -> int:
    """Throw the standings away and compute them again from the entries (on PostgreSQL in one statement:
    ``date_trunc`` in the local time zone gives the same Monday, month, quarter and year starts)."""
    Standing.objects.all().delete()
    connection = connections[router.db_for_write(Standing)]
    if connection.vendor != "postgresql":
        totals = computed()
        add(totals)
        return len(totals)
    transaction.on_commit(lambda: changed(), using=router.db_for_write(Standing))
    earned = ", ".join(f"'{kind}'" for kind in EARNED_KINDS)  # the enum's own values, not data
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO ledger_standing (period, start, person_id, points, org_unit_id, position_id, hire_date, active)
            SELECT g.period, g.start, g.person_id, g.points, p.org_unit_id, p.position_id, p.hire_date,
                   p.status <> 'left'
            FROM (
                SELECT per.period, date_trunc(per.unit, e.occurred_at AT TIME ZONE %s)::date AS start,
                       a.person_id, sum(e.amount) AS points
                FROM ledger_entry e
                JOIN ledger_account a ON a.id = e.account_id
                LEFT JOIN ledger_entry r ON r.id = e.reverses_id
                CROSS JOIN (VALUES ('week', 'week'), ('month', 'month'), ('season', 'quarter'), ('year', 'year'))
                    AS per(period, unit)
                WHERE a.currency = %s AND (e.kind IN ({earned}) OR (e.kind = 'reversal' AND r.kind IN ({earned})))
                GROUP BY 1, 2, 3
            ) g JOIN org_person p ON p.id = g.person_id""",  # noqa: S608
            [timezone.get_current_timezone_name(), Currency.POINTS])
        return cursor.rowcount


def problems() -> list[str]:
    """Standings that differ from what the entries add up to, or whose copied attributes are stale."""
    found = []
    expected = computed()
    stored = {(p, period, start): points for p, period, start, points in
              Standing.objects.values_list("person_id", "period", "start", "points").iterator(5000)}
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, ZERO), stored.get(key, ZERO)
        if want != have:
            person_id, period, start = key
            found.append(f"person {person_id} {period} from {start}: standing {have}, entries add up to {want}")
    people = {pk: (unit, position, hire, status != Person.Status.LEFT) for pk, unit, position, hire, status in
              Person.objects.values_list("pk", "org_unit_id", "position_id", "hire_date", "status").iterator(5000)}
    stale = (Standing.objects.values_list("person_id", "org_unit_id", "position_id", "hire_date", "active")
             .distinct())
    for person_id, *copied in stale.iterator(5000):
        if tuple(copied) != people.get(person_id):
            found.append(f"person {person_id}: standings carry a stale unit, position, hire date or status")
    return found


def earned_total(*, person_id: int, start: dt.datetime | None, end: dt.datetime) -> Decimal:
    return (earned_entries(start, end).filter(account__person_id=person_id).aggregate(t=Sum("amount"))["t"]
            or ZERO)
