"""Working days by China's official calendar (chinese_calendar: public holidays and the adjusted
working weekends, such as Saturday 2026-02-14). For a year the library does not know yet, Monday to
Friday stands in, and the caller is told so (``fallback``), so the page can say the date is provisional."""

from __future__ import annotations

import calendar
import datetime as dt

import chinese_calendar


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(working, fallback): whether ``day`` is a working day, and whether that was only a weekday guess."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days_checked(start: dt.date, n: int) -> tuple[dt.date, bool]:
    """The ``n``-th working day after ``start`` (``start`` itself not counted; 0 gives ``start``), and
    whether any day in between was outside the official calendar."""
    day, fallback, left = start, False, n
    while left > 0:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day)
        fallback |= guessed
        if working:
            left -= 1
    return day, fallback


def add_working_days(start: dt.date, n: int) -> dt.date:
    return add_working_days_checked(start, n)[0]


def next_working_day_checked(day: dt.date) -> tuple[dt.date, bool]:
    """``day`` itself when it is a working day, otherwise the next one."""
    working, fallback = is_working_day(day)
    while not working:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day)
        fallback |= guessed
    return day, fallback


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
