"""Levels, leaderboard preference and certificate consent over the API."""

from ninja import Router

router = Router(tags=["levels and preferences"])
