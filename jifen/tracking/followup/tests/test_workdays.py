"""Deadlines count working days by China's official calendar, holidays and adjusted weekends included."""

import datetime as dt

from jifen.tracking.followup.workdays import (
    add_months,
    add_working_days,
    add_working_days_checked,
    is_working_day,
    next_working_day_checked,
)


def test_five_working_days_after_the_end_of_september_skip_the_national_day_holiday():
    # 10-01..10-07 are holidays, Saturday 10-10 is an adjusted working day.
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_the_adjusted_working_saturday_before_the_spring_festival_counts():
    assert is_working_day(dt.date(2026, 2, 14)) == (True, False)
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)  # Friday -> working Saturday
    assert add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)  # then the Spring Festival holiday


def test_an_ordinary_weekend_is_not_a_working_day():
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)


def test_a_year_the_calendar_does_not_cover_falls_back_to_monday_to_friday_and_says_so():
    day, fallback = add_working_days_checked(dt.date(2031, 1, 3), 1)  # a Friday
    assert day == dt.date(2031, 1, 6) and fallback
    assert add_working_days_checked(dt.date(2026, 3, 6), 1)[1] is False


def test_a_due_date_on_a_holiday_moves_to_the_next_working_day():
    assert next_working_day_checked(dt.date(2026, 10, 3)) == (dt.date(2026, 10, 8), False)


def test_adding_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
