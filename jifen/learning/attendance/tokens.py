"""The rotating check-in code: an HMAC over the session and a 30-second window.

The trainer's screen shows a new code every window; a scan is accepted in the window the code was
made and the one after, so a code is good for 30 to 60 seconds and never longer (a photo sent to a
friend at home expires within a minute).

A learner who is not signed in when scanning gets a short-lived "grace" pass instead, so the
minutes spent logging in on a phone do not expire the code: the pass keeps the moment of the scan
(lateness is judged by it) and lasts ``GRACE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.core import signing
from django.utils.crypto import salted_hmac

WINDOW_SECONDS = 30
ACCEPTED_WINDOWS = 2  # the current window and the previous one
GRACE_SECONDS = 300
_SALT = "jifen.attendance.checkin"
_GRACE_SALT = "jifen.attendance.checkin.grace"


def window_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // WINDOW_SECONDS


def _mac(session_id: int, window: int) -> str:
    return salted_hmac(_SALT, f"{session_id}:{window}", algorithm="sha256").hexdigest()[:24]


def make_token(session_id: int, now: dt.datetime) -> str:
    window = window_of(now)
    return f"{window}-{_mac(session_id, window)}"


def seconds_left(now: dt.datetime) -> int:
    return WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS


def check_token(session_id: int, token: str, now: dt.datetime) -> dt.datetime | None:
    """The moment the scan counts as made (now), or None when the code is forged, for another session,
    or too old."""
    window_text, _sep, mac = (token or "").partition("-")
    if not window_text.isdigit() or not mac:
        return None
    window = int(window_text)
    current = window_of(now)
    if not current - ACCEPTED_WINDOWS < window <= current:
        return None
    if not hmac.compare_digest(mac, _mac(session_id, window)):
        return None
    return now


def make_grace(session_id: int, scanned_at: dt.datetime) -> str:
    return signing.dumps({"s": session_id, "t": scanned_at.timestamp()}, salt=_GRACE_SALT, compress=True)


def check_grace(session_id: int, grace: str, now: dt.datetime) -> dt.datetime | None:
    """The moment of the original scan, or None when the pass is forged, for another session or expired."""
    try:
        data = signing.loads(grace, salt=_GRACE_SALT, max_age=GRACE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != session_id:
        return None
    scanned_at = dt.datetime.fromtimestamp(float(data.get("t", 0)), tz=dt.UTC)
    if scanned_at > now or now - scanned_at > dt.timedelta(seconds=GRACE_SECONDS):
        return None
    return scanned_at
