"""Attendance over the API: make-up, close a session, import."""

from ninja import Router

router = Router(tags=["attendance management"])
