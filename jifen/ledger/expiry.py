"""When a lot earned at a given moment expires, under each policy. Dates are counted in TIME_ZONE:
'end of the year' is midnight of 1 January, local time."""

import calendar
import datetime as dt
import functools
import zoneinfo

from django.conf import settings

from jifen.ledger.models import ExpiryPolicy


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(_zone(settings.TIME_ZONE))


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N months later, or the month's last day if it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def expires_at(policy: str, months: int, earned_at: dt.datetime) -> dt.datetime | None:
    if policy == ExpiryPolicy.NEVER:
        return None
    local = _local(earned_at)
    tz = local.tzinfo
    if policy == ExpiryPolicy.ROLLING:
        day = add_months(local.date(), months)
        return dt.datetime.combine(day, local.timetz()).replace(tzinfo=tz)
    return _after_year_end(policy, months, local.year, tz)


@functools.lru_cache(maxsize=64)
def _after_year_end(policy: str, months: int, year: int, tz: dt.tzinfo) -> dt.datetime:
    """The year-end policies depend only on the local year: worked out once per year, not per lot."""
    year_end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    if policy == ExpiryPolicy.YEAR_END:
        return year_end
    if policy == ExpiryPolicy.YEAR_END_GRACE:
        return dt.datetime.combine(add_months(year_end.date(), months), dt.time(0, 0), tzinfo=tz)
    raise ValueError(f"unknown expiry policy {policy!r}")
