"""The ledger: accounts, append-only entries chained by hash, lots that expire, and their movements.

Invariants (ARCHITECTURE.md) and where each is held:
1. entries are never updated or deleted — a database trigger refuses it (PostgreSQL: UPDATE and
   DELETE; SQLite: UPDATE), and the hash chain exposes anything else (``jifen verify``);
2. one posting per idempotency key — UNIQUE on ``Entry.idempotency_key``;
3. balance = sum of entries = open lots (less any debt) — maintained under the account's row
   lock in the same transaction, proved by ``jifen verify``;
4. a spend never leaves a negative balance — CHECK on ``Entry`` (kind, balance_after);
5. expired lots cannot be spent — every posting first expires the account's due lots;
7. every entry names its cause — rule version, source object, actor;
8. a hash chain per account.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.org.models import Person

ZERO = Decimal("0.00")


class Currency(models.TextChoices):
    POINTS = "points", _("Points")
    CREDITS = "credits", _("Credits")


class CreditType(models.TextChoices):
    REQUIRED = "required", _("Required")
    ELECTIVE = "elective", _("Elective")


class ExpiryPolicy(models.TextChoices):
    NEVER = "never", _("Never expire")
    ROLLING = "rolling", _("N months after earning")
    YEAR_END = "year_end", _("End of the calendar year")
    YEAR_END_GRACE = "year_end_grace", _("End of the year plus a grace period")


class EntryKind(models.TextChoices):
    AWARD = "award", _("Award")
    PENALTY = "penalty", _("Penalty")
    SPEND = "spend", _("Spend")
    REFUND = "refund", _("Refund")
    EXPIRY = "expiry", _("Expiry")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


class CurrencySettings(models.Model):
    """Per currency: the default expiry policy (a rule may choose its own)."""

    currency = models.CharField(_("currency"), max_length=10, choices=Currency.choices, unique=True)
    expiry_policy = models.CharField(
        _("expiry policy"), max_length=20, choices=ExpiryPolicy.choices, default=ExpiryPolicy.NEVER
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("months"), default=12, help_text=_("For N months after earning, and the grace period after year end.")
    )

    class Meta:
        verbose_name = _("currency settings")
        verbose_name_plural = _("currency settings")

    def __str__(self) -> str:
        return self.get_currency_display()


class Account(models.Model):
    """A person's balance in one currency. ``balance``, ``entry_count`` and ``last_hash`` are a cache
    of the entries, written only under this row's lock by the ledger service."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="accounts",
                               db_index=False)  # indexed by the unique (person, currency)
    currency = models.CharField(_("currency"), max_length=10, choices=Currency.choices)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=ZERO)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["person", "currency"], name="ledger_account_person_currency"),
            models.CheckConstraint(condition=Q(currency__in=Currency.values), name="ledger_account_currency_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.currency}"


class Entry(models.Model):
    """One posting. Never updated, never deleted: a correction is a new entry that ``reverses`` it."""

    # Indexed by (account, seq) and (account, occurred_at) below: no index of its own.
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries",
                                db_index=False)
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)  # unique: see Meta
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    posted_at = models.DateTimeField(_("posted at"))
    credit_type = models.CharField(_("credit type"), max_length=10, choices=CreditType.choices, blank=True)
    rule_version_id = models.BigIntegerField(_("rule version"), null=True, blank=True)
    rule_label = models.CharField(_("rule"), max_length=200, blank=True)
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("source type"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )
    source_id = models.BigIntegerField(_("source"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=500)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="reversed_by",
    )
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["account_id", "seq"]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="ledger_entry_account_time"),
            models.Index(fields=["kind", "occurred_at"], name="ledger_entry_kind_time"),
            models.Index(fields=["rule_version_id"], name="ledger_entry_rule_version"),
            models.Index(fields=["source_type", "source_id"], name="ledger_entry_source"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="ledger_entry_actor"),
        ]
        constraints = [
            # A constraint rather than unique=True: the same guarantee without the extra pattern index
            # PostgreSQL would get for a unique text column (nobody searches keys by prefix).
            models.UniqueConstraint(fields=["idempotency_key"], name="ledger_entry_idempotency_key"),
            models.UniqueConstraint(fields=["account", "seq"], name="ledger_entry_account_seq"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["award", "refund"], amount__gt=0)
                    | Q(kind__in=["penalty", "spend", "expiry"], amount__lt=0)
                    | Q(kind__in=["adjustment", "reversal"])
                ),
                name="ledger_entry_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="spend") | Q(balance_after__gte=0), name="ledger_spend_never_overdraws"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="ledger_reversal_points_at_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}#{self.seq} {self.kind} {self.amount}"


class Lot(models.Model):
    """What an award (or a give-back) added, and how much of it is left. Spending, penalties and
    expiry take from lots that expire first. ``remaining`` is a cache of the movements."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lots")
    entry = models.ForeignKey(Entry, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="opened_lots")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    remaining = models.DecimalField(_("remaining"), max_digits=14, decimal_places=2)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="ledger_lot_open_expiry"),
            models.Index(fields=["account", "expires_at"], condition=Q(remaining__gt=0), name="ledger_lot_account_open"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_lot_amount_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")), name="ledger_lot_remaining_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.amount}"


class LotMovement(models.Model):
    """How an entry changed a lot: negative takes from it, positive gives back. Append-only."""

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="movements")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("lot movement")
        verbose_name_plural = _("lot movements")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_movement_not_zero")]

    def __str__(self) -> str:
        return f"{self.entry_id} → lot {self.lot_id}: {self.amount}"


# ---------------------------------------------------------------- manual adjustments (maker-checker) and appeals


def evidence_upload_to(instance, filename: str) -> str:
    """evidence/<year>/<month>/<random>.<ext>: the name the user gave is kept in ``evidence_name``,
    never used as a path."""
    import secrets
    from pathlib import PurePath

    from django.utils import timezone

    suffix = PurePath(filename or "").suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AdjustmentBatch(models.Model):
    """A maker-checker request: one adjustment or many (a bulk file is one batch). Nothing posts
    until someone other than the proposer approves it; then every line posts at once, or none."""

    Status = AdjustmentStatus

    status = models.CharField(_("status"), max_length=10, choices=AdjustmentStatus.choices,
                              default=AdjustmentStatus.PROPOSED)
    reason = models.CharField(_("reason"), max_length=500)
    evidence = models.FileField(_("evidence"), upload_to=evidence_upload_to, max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    source_filename = models.CharField(_("source file"), max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="ledger_adjbatch_status_time")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AdjustmentStatus.values),
                                   name="ledger_adjbatch_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_adjbatch_reason_not_empty"),
            # The checker is never the maker.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="ledger_adjbatch_checker_is_not_maker",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=AdjustmentStatus.PROPOSED, decided_by__isnull=True, decided_at__isnull=True)
                    | Q(status__in=[AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED], decided_by__isnull=False,
                        decided_at__isnull=False)
                ),
                name="ledger_adjbatch_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status=AdjustmentStatus.REJECTED) | ~Q(decision_note=""),
                name="ledger_adjbatch_rejection_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"adjustment {self.pk} ({self.status})"


class AdjustmentLine(models.Model):
    """One person's adjustment in one currency. ``entry`` is the ledger entry it posted, set on approval."""

    batch = models.ForeignKey(AdjustmentBatch, verbose_name=_("adjustment"), on_delete=models.CASCADE,
                              related_name="lines")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True, help_text=_("The row in the bulk file."))
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="adjustment_lines")
    currency = models.CharField(_("currency"), max_length=10, choices=Currency.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    credit_type = models.CharField(_("credit type"), max_length=10, choices=CreditType.choices, blank=True)
    entry = models.OneToOneField(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="adjustment_line")

    class Meta:
        verbose_name = _("adjustment line")
        verbose_name_plural = _("adjustment lines")
        ordering = ["batch_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_adjline_amount_not_zero"),
            models.CheckConstraint(condition=Q(currency__in=Currency.values), name="ledger_adjline_currency_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_adjline_reason_not_empty"),
            models.CheckConstraint(
                condition=Q(credit_type="") | Q(currency=Currency.CREDITS, credit_type__in=CreditType.values),
                name="ledger_adjline_credit_type_for_credits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.currency} {self.amount}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class AppealResolution(models.TextChoices):
    REVERSAL = "reversal", _("Entry reversed")
    AWARD = "award", _("Extra award")


class Appeal(models.Model):
    """A learner disputes one of their entries (异议); a reviewer accepts it (the entry is reversed, or
    an extra award posts) or rejects it, and replies either way. One open appeal per entry."""

    Status = AppealStatus
    Resolution = AppealResolution

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="appeals")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="appeals")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                                  related_name="+")
    raised_at = models.DateTimeField(_("raised at"))
    reason = models.CharField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reply = models.CharField(_("reply"), max_length=1000, blank=True)
    resolution = models.CharField(_("resolution"), max_length=10, choices=AppealResolution.choices, blank=True)
    resolution_entry = models.OneToOneField(Entry, verbose_name=_("resolution entry"), on_delete=models.PROTECT,
                                            null=True, blank=True, related_name="resolves_appeal")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["status", "raised_at"], name="ledger_appeal_status_time")]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=Q(status="open"), name="ledger_appeal_one_open"),
            models.CheckConstraint(condition=Q(status__in=AppealStatus.values), name="ledger_appeal_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_appeal_reason_not_empty"),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("raised_by")),
                name="ledger_appeal_reviewer_is_not_appellant",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="open", reviewer__isnull=True, reviewed_at__isnull=True, resolution="",
                      resolution_entry__isnull=True)
                    | (Q(status="accepted", reviewer__isnull=False, reviewed_at__isnull=False,
                         resolution__in=AppealResolution.values, resolution_entry__isnull=False) & ~Q(reply=""))
                    | (Q(status="rejected", reviewer__isnull=False, reviewed_at__isnull=False, resolution="",
                         resolution_entry__isnull=True) & ~Q(reply=""))
                ),
                name="ledger_appeal_outcome_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} on entry {self.entry_id} ({self.status})"


class Period(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    SEASON = "season", _("Season")
    YEAR = "year", _("Year")


class Standing(models.Model):
    """Points a person earned in one calendar period (the week from Monday, the month, the quarter, the
    year; local time): what awards, penalties and adjustments, and reversals of those, add up to.
    Spending and expiry never lower it.

    Written by the ledger service in the same transaction as the entries (``standings.record``), so a
    leaderboard reads one indexed row per person instead of summing millions of entries, and is never
    behind the ledger. ``jifen verify`` recomputes every row from the entries.

    The person's unit, position, hire date and whether they left are copied in (kept in step whenever a
    person is saved or imported), so that a unit's, a position's or the new hires' board is one index
    range too. They are copies for ranking only; the person record stays the truth."""

    period = models.CharField(_("period"), max_length=6, choices=Period.choices)
    start = models.DateField(_("starts on"))
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    points = models.DecimalField(_("points earned"), max_digits=14, decimal_places=2, default=0)
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                                 db_index=False)
    position = models.ForeignKey("org.Position", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+", db_index=False, null=True)
    hire_date = models.DateField(null=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")
        constraints = [
            models.UniqueConstraint(fields=["period", "start", "person"], name="ledger_standing_once"),
        ]
        indexes = [
            # The whole company's board, and counting those ahead of someone.
            models.Index(fields=["period", "start", "active", "-points", "person"], name="ledger_standing_board"),
            models.Index(fields=["period", "start", "active", "org_unit", "-points"], name="ledger_standing_unit"),
            models.Index(fields=["period", "start", "active", "position", "-points"],
                         name="ledger_standing_position"),
            models.Index(fields=["period", "start", "active", "hire_date"], name="ledger_standing_hired"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period} {self.start}: {self.points}"
