"""Opening box-ticking cases. Detectors in the other learning apps call ``open_case``; review (confirm /
dismiss) lives here too."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from jifen.learning.integrity.models import Case


def open_case(*, person, kind: str, key: str, summary: str, details: dict | None = None, source=None,
              now: dt.datetime | None = None) -> tuple[Case, bool]:
    """Open a case for review, once per ``key`` (a detector that fires twice on the same thing opens
    one case). Answers (case, created). Nothing is deducted until a reviewer confirms it."""
    existing = Case.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    source_fields = {}
    if source is not None:
        source_fields = {"source_type": ContentType.objects.get_for_model(source), "source_id": source.pk}
    try:
        with transaction.atomic():
            case = Case.objects.create(
                person=person, kind=kind, key=key, summary=summary[:500], details=details or {},
                opened_at=now or timezone.now(), **source_fields,
            )
    except IntegrityError:
        return Case.objects.get(key=key), False
    return case, True
