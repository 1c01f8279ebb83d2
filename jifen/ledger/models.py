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

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="accounts")
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

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    posted_at = models.DateTimeField(_("posted at"))
    credit_type = models.CharField(_("credit type"), max_length=10, choices=CreditType.choices, blank=True)
    rule_version_id = models.BigIntegerField(_("rule version"), null=True, blank=True)
    rule_label = models.CharField(_("rule"), max_length=200, blank=True)
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("source type"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.BigIntegerField(_("source"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="reversed_by",
    )
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["account_id", "seq"]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="ledger_entry_account_time"),
            models.Index(fields=["kind", "occurred_at"], name="ledger_entry_kind_time"),
            models.Index(fields=["rule_version_id"], name="ledger_entry_rule_version"),
            models.Index(fields=["source_type", "source_id"], name="ledger_entry_source"),
        ]
        constraints = [
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
