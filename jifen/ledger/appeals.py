"""Appeals (异议): a learner disputes one of their entries with a reason; a reviewer accepts it (the
entry is reversed, or an extra award posts, with a reply) or rejects it (with a reply); the learner
sees the outcome under "My appeals".

Each decision locks the appeal's row and re-checks that it is still open, so two reviewers (or a
double click) decide once; the posting key ``appeal:<id>`` makes a replay a duplicate in the ledger
itself. Nobody reviews their own appeal (checked here, and by a database CHECK).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ledger import services
from jifen.ledger.adjustments import parse_amount
from jifen.ledger.models import Appeal, AppealResolution, AppealStatus, Entry
from jifen.org.models import Person

TEXT_MAX = 1000
ENTRY_REASON_MAX = 500


def _text(value: str, *, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(missing, field=field)
    if len(value) > TEXT_MAX:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": TEXT_MAX}, field=field)
    return value


def appeal_create(*, entry: Entry, raised_by, reason: str, now: dt.datetime | None = None) -> Appeal:
    """A learner disputes an entry of their own account. One open appeal per entry (a database UNIQUE)."""
    now = now or timezone.now()
    reason = _text(reason, field="reason", missing=_("Say what is wrong with this entry."))
    person = Person.objects.filter(user=raised_by).first() if raised_by is not None else None
    if person is None or entry.account.person_id != person.pk:
        raise ApplicationError(_("You can appeal only entries of your own points and credits."), code="not_own_entry")
    if Entry.objects.filter(reverses=entry).exists():
        raise ApplicationError(_("This entry has already been reversed."), code="already_reversed")
    if Appeal.objects.filter(entry=entry, status=AppealStatus.OPEN).exists():
        raise ApplicationError(_("This entry already has an open appeal."), code="appeal_open")
    try:
        with transaction.atomic():
            return Appeal.objects.create(entry=entry, person=person, raised_by=raised_by, raised_at=now,
                                         reason=reason)
    except IntegrityError as exc:  # the same appeal sent twice at the same moment
        raise ApplicationError(_("This entry already has an open appeal."), code="appeal_open") from exc


def _lock_open(appeal: Appeal, reviewer, people: QuerySet[Person] | None, decision: str) -> Appeal | None:
    """The appeal locked and still open, or None when this reviewer already made this decision."""
    locked = Appeal.objects.select_for_update().select_related("entry__account").get(pk=appeal.pk)
    if locked.status != AppealStatus.OPEN:
        if locked.status == decision and locked.reviewer_id == reviewer.pk:
            return None
        raise ApplicationError(_("This appeal has already been decided."), code="already_decided")
    if reviewer.pk == locked.raised_by_id or Person.objects.filter(user=reviewer, pk=locked.person_id).exists():
        raise ApplicationError(_("You cannot review your own appeal: someone else must."), code="own_appeal")
    if people is not None and not people.filter(pk=locked.person_id).exists():
        raise ApplicationError(_("This appeal is outside the people whose appeals you may review."),
                               code="out_of_scope")
    return locked


def _entry_reason(prefix: str, reply: str) -> str:
    text = f"{prefix}: {reply}"
    return text if len(text) <= ENTRY_REASON_MAX else text[: ENTRY_REASON_MAX - 1] + "…"


def appeal_accept(*, appeal: Appeal, reviewer, resolution: str, reply: str, amount: Decimal | str | None = None,
                  people: QuerySet[Person] | None = None, now: dt.datetime | None = None) -> Appeal:
    """Accept: reverse the disputed entry, or post an extra award of ``amount`` in its currency."""
    now = now or timezone.now()
    reply = _text(reply, field="reply", missing=_("Write a reply: the learner reads it."))
    if resolution not in AppealResolution.values:
        raise ApplicationError(_("Choose to reverse the entry or to award extra."), field="resolution")
    if resolution == AppealResolution.AWARD:
        if amount in (None, ""):
            raise ApplicationError(_("How much is the extra award?"), field="amount")
        amount = parse_amount(amount)
        if amount <= 0:
            raise ApplicationError(_("An extra award is more than zero."), field="amount")
    try:
        with transaction.atomic():
            locked = _lock_open(appeal, reviewer, people, AppealStatus.ACCEPTED)
            if locked is None:
                return Appeal.objects.get(pk=appeal.pk)
            entry = locked.entry
            key = f"appeal:{locked.pk}"
            entry_reason = _entry_reason(_("Appeal accepted"), reply)
            if resolution == AppealResolution.REVERSAL:
                result = services.reverse(entry=entry, key=key, reason=entry_reason, actor=reviewer, now=now)
            else:
                result = services.award(person=entry.account.person_id, currency=entry.account.currency,
                                        amount=amount, key=key, reason=entry_reason, now=now,
                                        credit_type=entry.credit_type, source=locked, actor=reviewer)
            locked.status = AppealStatus.ACCEPTED
            locked.resolution = resolution
            locked.resolution_entry = result.entry
            locked.reviewer = reviewer
            locked.reviewed_at = now
            locked.reply = reply
            locked.save(update_fields=["status", "resolution", "resolution_entry", "reviewer", "reviewed_at",
                                       "reply"])
    except IntegrityError as exc:  # the entry was reversed by something else at the same moment
        raise ApplicationError(_("This entry has already been reversed."), code="already_reversed") from exc
    return locked


def appeal_reject(*, appeal: Appeal, reviewer, reply: str, people: QuerySet[Person] | None = None,
                  now: dt.datetime | None = None) -> Appeal:
    """Reject with a reply the learner reads. Posts nothing."""
    now = now or timezone.now()
    reply = _text(reply, field="reply", missing=_("Write a reply: the learner reads it."))
    with transaction.atomic():
        locked = _lock_open(appeal, reviewer, people, AppealStatus.REJECTED)
        if locked is None:
            return Appeal.objects.get(pk=appeal.pk)
        locked.status = AppealStatus.REJECTED
        locked.reviewer = reviewer
        locked.reviewed_at = now
        locked.reply = reply
        locked.save(update_fields=["status", "reviewer", "reviewed_at", "reply"])
    return locked
