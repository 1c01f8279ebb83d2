"""A fixed-window request counter per API token, in Django's cache (locmem or Redis).

``JIFEN_API_RATE = "600/60"`` allows 600 calls in each 60-second window per token. Sessions (a person in
a browser) are not counted: sign-in is throttled by django-axes, and pages call the API only as a person
clicks. With several web processes and the locmem cache each process counts on its own; set REDIS_URL to
share the count.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_RATE = "600/60"


class RateLimited(Exception):
    def __init__(self, *, limit: int, window: int, retry_after: int):
        self.limit = limit
        self.window = window
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {
            "Retry-After": str(self.retry_after),
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(self.retry_after),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/60"`` → (600, 60); an empty or "0" rate turns the limit off (0, 0)."""
    rate = (rate or "").strip()
    if not rate or rate == "0":
        return 0, 0
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def check_rate(key: str, *, now: float | None = None) -> int:
    """Counts one call for ``key``; raises RateLimited past the limit, else returns the calls left."""
    limit, window = parse_rate(getattr(settings, "JIFEN_API_RATE", DEFAULT_RATE))
    if not limit:
        return -1
    now = time.time() if now is None else now
    window_index = int(now // window)
    cache_key = f"jifen:api-rate:{key}:{window_index}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        used = 1
    if used > limit:
        retry_after = max(1, math.ceil((window_index + 1) * window - now))
        raise RateLimited(limit=limit, window=window, retry_after=retry_after)
    return limit - used
