"""Acknowledging, confirming, reports, development plans and action edits over the API."""

from ninja import Router

router = Router(tags=["growth management"])
