"""Notification channels, delivery resends and background jobs over the API."""

from ninja import Router

router = Router(tags=["notification operations"])
