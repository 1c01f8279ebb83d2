"""Shared test set-up: plain static storage (no manifest needed) and org factories."""

import pytest

from jifen.org.tests.factories import OrgBuilder


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def org(db) -> OrgBuilder:
    """A small organisation to build on: see OrgBuilder."""
    return OrgBuilder()
