"""Manual adjustments, maker-checker: a training admin proposes, someone else approves or rejects,
and only an approval posts.

A batch is one adjustment or a whole bulk file (see adjustment_file). Approving it posts every
line in one ``services.post_many`` call, inside the transaction that holds the batch's row lock:
all the lines post, or none does. The lock and the status re-checked under it make a double click,
or two approvers at the same moment, post once; each line's posting key
(``adjustment:<line id>``) makes any replay a duplicate in the ledger itself.

Decisions, documented:

* A negative adjustment may leave a debt, as a penalty may (it corrects an award the learner may
  already have spent); later earnings repay the debt first. The batch page shows each balance
  before approval, so the approver sees it coming.
* The entry's actor is the approver, whose decision posted it; the entry's source is the
  adjustment line, which names the proposer.
* Nobody proposes or decides an adjustment of their own points, and the approver is never the
  proposer (checked here, and the approver by a database CHECK as well).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ledger import services
from jifen.ledger.engine import Posting, money
from jifen.ledger.models import (
    AdjustmentBatch,
    AdjustmentLine,
    AdjustmentStatus,
    CreditType,
    Currency,
    EntryKind,
)
from jifen.org.importing import decode_text
from jifen.org.models import Person

MAX_AMOUNT = Decimal("1000000")
MAX_LINES = 10_000
REASON_MAX = 500
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".xlsx", ".docx", ".txt")


@dataclass(frozen=True)
class LineDraft:
    """One line of a proposal: signed amount; an empty reason takes the batch's."""

    person: Person
    currency: str
    amount: Decimal
    reason: str = ""
    credit_type: str = ""
    row: int | None = None


# ---------------------------------------------------------------- checks shared by the form, the API and the file


def parse_amount(value) -> Decimal:
    """A signed amount with at most two decimals, not zero, at most MAX_AMOUNT either way.
    Raises ApplicationError (field "amount") with the reason."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Write the amount as a number, such as 10 or -5.5."), field="amount") from exc
    if not amount.is_finite():
        raise ApplicationError(_("Write the amount as a number, such as 10 or -5.5."), field="amount")
    if abs(amount) > MAX_AMOUNT:
        raise ApplicationError(
            _("An adjustment is at most %(max)s either way.") % {"max": f"{MAX_AMOUNT:,.0f}"}, field="amount"
        )
    if amount != money(amount):
        raise ApplicationError(_("An amount has at most two decimals."), field="amount")
    amount = money(amount)
    if amount == 0:
        raise ApplicationError(_("An adjustment needs a non-zero amount: + adds, - deducts."), field="amount")
    return amount


def check_currency_and_type(currency: str, credit_type: str) -> None:
    if currency not in Currency.values:
        raise ApplicationError(_("Choose points or credits."), field="currency")
    if credit_type and credit_type not in CreditType.values:
        raise ApplicationError(_("A credit type is required or elective."), field="credit_type")
    if credit_type and currency != Currency.CREDITS:
        raise ApplicationError(_("Only credits have a credit type."), field="credit_type")


def clean_reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason: the learner sees it in their history."), field=field)
    if len(reason) > REASON_MAX:
        raise ApplicationError(_("A reason is at most %(max)d characters.") % {"max": REASON_MAX}, field=field)
    return reason


def _looks_like(suffix: str, data: bytes) -> bool:
    if suffix == ".pdf":
        return b"%PDF-" in data[:1024]  # the format allows a little before the marker
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return data.startswith((b"GIF87a", b"GIF89a"))
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix in (".xlsx", ".docx"):
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        part = "xl/" if suffix == ".xlsx" else "word/"
        return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)
    if suffix == ".txt":
        try:
            decode_text(data)
        except ApplicationError:
            return False
        return True
    return False


def _too_large() -> ApplicationError:
    return ApplicationError(
        _("The evidence file is larger than %(size)s.") % {"size": filesizeformat(EVIDENCE_MAX_BYTES)},
        field="evidence", code="too_large",
    )


def check_evidence(upload) -> None:
    """An evidence file is a PDF, an image, a Word or Excel file or plain text, of at most 10 MB,
    and really is what its name says (checked on its first bytes, never on what the browser claims)."""
    size = getattr(upload, "size", None)
    if size is not None and size > EVIDENCE_MAX_BYTES:
        raise _too_large()
    suffix = PurePath(getattr(upload, "name", "") or "").suffix.lower()
    if suffix not in EVIDENCE_SUFFIXES:
        raise ApplicationError(
            _("Evidence can be a PDF, an image (PNG, JPEG, GIF, WebP), a Word (.docx) or Excel (.xlsx) file, or "
              "plain text (.txt)."),
            field="evidence",
        )
    upload.seek(0)
    data = upload.read(EVIDENCE_MAX_BYTES + 1)
    upload.seek(0)
    if len(data) > EVIDENCE_MAX_BYTES:
        raise _too_large()
    if not data:
        raise ApplicationError(_("The evidence file is empty."), field="evidence")
    if not _looks_like(suffix, data):
        raise ApplicationError(
            _("The evidence file is not really a %(kind)s file.") % {"kind": suffix.lstrip(".").upper()},
            field="evidence",
        )


def _person_of(user) -> Person | None:
    return Person.objects.filter(user=user).first() if user is not None else None


# ---------------------------------------------------------------- propose


def adjustment_propose(*, proposed_by, lines: Sequence[LineDraft], reason: str, people: QuerySet[Person],
                       evidence=None, source_filename: str = "", now: dt.datetime | None = None) -> AdjustmentBatch:
    """Propose one or many adjustments as one batch, to be approved by someone else. Posts nothing.
    ``people`` is whom the proposer may adjust (their scope)."""
    now = now or timezone.now()
    reason = clean_reason(reason)
    if not lines:
        raise ApplicationError(_("An adjustment needs at least one line."))
    if len(lines) > MAX_LINES:
        raise ApplicationError(_("At most %(max)d lines go in one adjustment: split it.") % {"max": MAX_LINES})
    own = _person_of(proposed_by)
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            check_currency_and_type(line.currency, line.credit_type)
            amount = parse_amount(line.amount)
            line_reason = clean_reason(line.reason) if (line.reason or "").strip() else reason
            if own is not None and line.person.pk == own.pk:
                raise ApplicationError(
                    _("You cannot propose an adjustment of your own points: ask another administrator."),
                    field="employee_no", code="own_points",
                )
        except ApplicationError as error:
            if len(lines) == 1:
                raise
            raise ApplicationError(_("Line %(line)d: %(problem)s") % {"line": number, "problem": error.message},
                                   field=error.field, code=error.code) from error
        rows.append(AdjustmentLine(row=line.row, person_id=line.person.pk, currency=line.currency, amount=amount,
                                   reason=line_reason, credit_type=line.credit_type))
    wanted = {row.person_id for row in rows}
    if people.filter(pk__in=wanted).count() != len(wanted):
        raise ApplicationError(_("Someone in this adjustment is outside the people you may adjust."),
                               field="employee_no", code="out_of_scope")
    if evidence is not None:
        check_evidence(evidence)
    with transaction.atomic():
        batch = AdjustmentBatch(reason=reason, proposed_by=proposed_by, proposed_at=now,
                                source_filename=(source_filename or "")[:200])
        if evidence is not None:
            batch.evidence_name = PurePath((evidence.name or "").replace("\\", "/")).name[:200]
            batch.evidence = evidence
        batch.save()
        for row in rows:
            row.batch = batch
        AdjustmentLine.objects.bulk_create(rows, batch_size=1000)
    return batch


# ---------------------------------------------------------------- decide


def _lock(batch: AdjustmentBatch) -> AdjustmentBatch:
    return AdjustmentBatch.objects.select_for_update().get(pk=batch.pk)


def _check_decider(batch: AdjustmentBatch, decider, people: QuerySet[Person] | None) -> None:
    if decider.pk == batch.proposed_by_id:
        raise ApplicationError(_("You proposed this adjustment: someone else must approve or reject it."),
                               code="own_proposal")
    own = _person_of(decider)
    if own is not None and batch.lines.filter(person=own).exists():
        raise ApplicationError(_("This adjustment changes your own points: someone else must decide on it."),
                               code="own_points")
    if people is not None and batch.lines.exclude(person__in=people).exists():
        raise ApplicationError(_("Someone in this adjustment is outside the people you may approve for."),
                               code="out_of_scope")


def _already_decided(batch: AdjustmentBatch) -> ApplicationError:
    if batch.status == AdjustmentStatus.APPROVED:
        return ApplicationError(_("This adjustment has already been approved."), code="already_decided")
    return ApplicationError(_("This adjustment has already been rejected."), code="already_decided")


def adjustment_approve(*, batch: AdjustmentBatch, approver, note: str = "", people: QuerySet[Person] | None = None,
                       now: dt.datetime | None = None) -> AdjustmentBatch:
    """Approve and post every line at once. The same approver approving again (a double click, a
    retried request) gets the batch back unchanged; anything else already decided is refused."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise ApplicationError(_("A note is at most %(max)d characters.") % {"max": REASON_MAX}, field="note")
    with transaction.atomic():
        locked = _lock(batch)
        if locked.status != AdjustmentStatus.PROPOSED:
            if locked.status == AdjustmentStatus.APPROVED and locked.decided_by_id == approver.pk:
                return locked
            raise _already_decided(locked)
        _check_decider(locked, approver, people)
        lines = list(locked.lines.order_by("pk"))
        source_type_id = ContentType.objects.get_for_model(AdjustmentLine).pk
        expiry = {currency: services.default_expiry(currency, now) for currency in {line.currency for line in lines}}
        requests = [
            services.Request(line.person_id, line.currency, Posting(
                kind=EntryKind.ADJUSTMENT, amount=line.amount, key=f"adjustment:{line.pk}", occurred_at=now,
                reason=line.reason, credit_type=line.credit_type, actor_id=approver.pk,
                source_type_id=source_type_id, source_id=line.pk,
                expires_at=expiry[line.currency] if line.amount > 0 else None,
            ))
            for line in lines
        ]
        results = services.post_many(requests, now=now)
        for line, result in zip(lines, results, strict=True):
            line.entry = result.entry
        AdjustmentLine.objects.bulk_update(lines, ["entry"], batch_size=1000)
        locked.status = AdjustmentStatus.APPROVED
        locked.decided_by = approver
        locked.decided_at = now
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


def adjustment_reject(*, batch: AdjustmentBatch, approver, note: str, people: QuerySet[Person] | None = None,
                      now: dt.datetime | None = None) -> AdjustmentBatch:
    """Reject with a note the proposer reads. Posts nothing."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say why it is rejected: the proposer reads the note."), field="note")
    if len(note) > REASON_MAX:
        raise ApplicationError(_("A note is at most %(max)d characters.") % {"max": REASON_MAX}, field="note")
    with transaction.atomic():
        locked = _lock(batch)
        if locked.status != AdjustmentStatus.PROPOSED:
            if locked.status == AdjustmentStatus.REJECTED and locked.decided_by_id == approver.pk:
                return locked
            raise _already_decided(locked)
        _check_decider(locked, approver, people)
        locked.status = AdjustmentStatus.REJECTED
        locked.decided_by = approver
        locked.decided_at = now
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked
