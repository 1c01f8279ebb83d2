"""Opening box-ticking cases. Detectors in the other learning apps call ``open_case``; review (confirm /
dismiss) lives here too."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.learning.integrity.models import Case
from jifen.org.models import Person
from jifen.rules.models import EventType
from jifen.rules.services import record_event


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


# ---------------------------------------------------------------- review

NOTE_MAX = 1000


def _lock_open(case: Case, reviewer, people, decision: str) -> Case | None:
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if locked.status != Case.Status.OPEN:
        if locked.status == decision and locked.reviewed_by_id == getattr(reviewer, "pk", None):
            return None  # the same decision twice (a double click)
        raise ApplicationError(_("This case has already been decided."), code="already_decided")
    if reviewer is not None and Person.objects.filter(pk=locked.person_id, user=reviewer).exists():
        raise ApplicationError(_("You cannot decide a case about yourself: someone else must."), code="own")
    if people is not None and not people.filter(pk=locked.person_id).exists():
        raise ApplicationError(_("This case is outside the people whose cases you may review."),
                               code="out_of_scope")
    return locked


def _clean_note(note: str) -> str:

    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Write a note: the learner reads it."), field="note")
    if len(note) > NOTE_MAX:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": NOTE_MAX}, field="note")
    return note


def case_confirm(*, case: Case, reviewer, note: str, people=None, now: dt.datetime | None = None) -> Case:
    """Confirm box-ticking: records ``violation.cheating`` (key ``case:<id>``; the default rules deduct
    50 points). The learner may appeal that entry like any other, under their points."""
    now = now or timezone.now()
    note = _clean_note(note)
    with transaction.atomic():
        locked = _lock_open(case, reviewer, people, Case.Status.CONFIRMED)
        if locked is None:
            return Case.objects.get(pk=case.pk)
        key = f"case:{locked.pk}"
        result = record_event(key=key, type=EventType.VIOLATION_CHEATING, person=locked.person.employee_no, occurred_at=now,
                     data={"case": locked.pk, "kind": locked.kind}, source="integrity", actor=reviewer, now=now)
        if result.status == "rejected":
            raise ApplicationError(result.error or _("The event could not be recorded."), code="event_rejected")
        locked.status, locked.reviewed_by, locked.reviewed_at = Case.Status.CONFIRMED, reviewer, now
        locked.decision_note, locked.event_key = note, key
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_note", "event_key"])
    return locked


def case_dismiss(*, case: Case, reviewer, note: str, people=None, now: dt.datetime | None = None) -> Case:
    """Dismiss: nothing was wrong. Records nothing."""
    now = now or timezone.now()
    note = _clean_note(note)
    with transaction.atomic():
        locked = _lock_open(case, reviewer, people, Case.Status.DISMISSED)
        if locked is None:
            return Case.objects.get(pk=case.pk)
        locked.status, locked.reviewed_by, locked.reviewed_at, locked.decision_note = (
            Case.Status.DISMISSED, reviewer, now, note)
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_note"])
    return locked
