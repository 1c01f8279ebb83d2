"""Jifen's settings with plain static file names, for the short load test: no ``collectstatic`` (which
compresses every asset, most of a minute), the pages otherwise exactly as deployed. The full bench runs
``jifen.settings`` itself after ``collectstatic``."""

from jifen.settings import *  # noqa: F403
from jifen.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
