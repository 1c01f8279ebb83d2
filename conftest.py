"""Shared test set-up: plain static storage (no manifest needed) and org factories."""

import os

import pytest
from hypothesis import settings as hypothesis_settings

from jifen.org.tests.factories import OrgBuilder

# CI explores the same examples every run (a red CI blocks everything); locally they vary, to find more.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    # Boards count ranks again after every change (production waits up to 30 s while points keep arriving).
    settings.JIFEN_BOARD_RANKS_SECONDS = 0


@pytest.fixture(autouse=True)
def _jobs_run_at_once():
    """Queued background jobs run in the request that queues them (no worker in tests)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (leaderboard head counts are cached)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org(db) -> OrgBuilder:
    """A small organisation to build on: see OrgBuilder."""
    return OrgBuilder()
