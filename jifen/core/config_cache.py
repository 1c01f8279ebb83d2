"""Small configuration read on almost every page (the credit policy, the recognition settings, the
levels), kept in Django's cache so that a page does not read the same rows on every request.

Saving or deleting one of these rows through the ORM drops the cached copy (signals, connected by each
app's ``ready``). With Redis (``REDIS_URL``) every process sees that at once; with the per-process memory
cache, other processes may show the old value for at most ``JIFEN_CONFIG_CACHE_SECONDS`` (default 60).
Writes that bypass ``save()`` (``QuerySet.update``, raw SQL) must call ``forget``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
PREFIX = "jifen:config:"


def cached(key: str, load: Callable[[], T]) -> T:
    full = PREFIX + key
    found = cache.get(full)
    if found is None:
        found = load()
        cache.set(full, found, settings.JIFEN_CONFIG_CACHE_SECONDS)
    return found


def forget(*keys: str) -> None:
    cache.delete_many([PREFIX + key for key in keys])


def forget_on_change(model, *keys: str) -> None:
    """Drop ``keys`` whenever a ``model`` row is saved or deleted: at once, and again when the transaction
    commits (another process may have cached the old row in between)."""

    def drop(sender, using="default", **kwargs):
        forget(*keys)
        transaction.on_commit(lambda: forget(*keys), using=using)

    post_save.connect(drop, sender=model, weak=False, dispatch_uid=f"config-cache-{model._meta.label}")
    post_delete.connect(drop, sender=model, weak=False, dispatch_uid=f"config-cache-del-{model._meta.label}")
