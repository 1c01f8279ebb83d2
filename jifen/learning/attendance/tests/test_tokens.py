"""The rotating code: good for the window it was made in and the next, never older than 60 seconds."""

import datetime as dt

from django.utils import timezone

from jifen.learning.attendance import tokens

T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)  # the start of a 30-second window


def test_a_fresh_code_is_accepted():
    token = tokens.make_token(7, T0)
    assert tokens.check_token(7, token, T0 + dt.timedelta(seconds=5)) is not None


def test_a_code_from_the_previous_window_is_still_accepted():
    token = tokens.make_token(7, T0 + dt.timedelta(seconds=29))
    assert tokens.check_token(7, token, T0 + dt.timedelta(seconds=31)) is not None
    assert tokens.check_token(7, tokens.make_token(7, T0), T0 + dt.timedelta(seconds=59)) is not None


def test_a_code_older_than_60_seconds_is_refused():
    token = tokens.make_token(7, T0)
    assert tokens.check_token(7, token, T0 + dt.timedelta(seconds=60)) is None
    assert tokens.check_token(7, token, T0 + dt.timedelta(seconds=61)) is None
    # whatever second of its window the code was made in
    late_token = tokens.make_token(7, T0 + dt.timedelta(seconds=29))
    assert tokens.check_token(7, late_token, T0 + dt.timedelta(seconds=29 + 61)) is None


def test_a_code_of_another_session_or_a_forged_one_is_refused():
    token = tokens.make_token(7, T0)
    assert tokens.check_token(8, token, T0) is None
    window = token.split("-")[0]
    assert tokens.check_token(7, f"{window}-{'0' * 24}", T0) is None
    assert tokens.check_token(7, "garbage", T0) is None
    assert tokens.check_token(7, "", T0) is None


def test_a_code_from_the_future_is_refused():
    token = tokens.make_token(7, T0 + dt.timedelta(seconds=60))
    assert tokens.check_token(7, token, T0) is None


def test_a_login_pass_keeps_the_moment_of_the_scan_for_five_minutes():
    scanned = timezone.now().replace(microsecond=0)
    grace = tokens.make_grace(7, scanned)
    assert tokens.check_grace(7, grace, scanned + dt.timedelta(minutes=2)) == scanned
    assert tokens.check_grace(8, grace, scanned) is None
    assert tokens.check_grace(7, grace + "x", scanned) is None
    assert tokens.check_token(7, grace, scanned) is None  # a pass is not a code
