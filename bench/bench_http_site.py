"""Settings and URLs of bench/bench_http.py's server, and nothing else: Jifen's own settings and URLs,
plus one bench-only view (``bench_http_urls``: ``POST /bench/bare``, a JSON view that does nothing, the
baseline), and no API rate limit. Never used outside the benchmark; the production URLs are unchanged."""

from jifen.settings import *  # noqa: F403 - Jifen's settings, with the two changes below

ROOT_URLCONF = "bench_http_urls"  # Jifen's URLs plus the bench-only bare view
JIFEN_API_RATE = "0"  # one token sends every request: the per-token rate limit would refuse most
