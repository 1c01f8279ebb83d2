"""Every write that touches a balance goes through here, in one transaction, under the account's row lock.

``post_many`` is the one way in: it locks the accounts involved (in primary-key order, so two writers
never deadlock), drops postings whose idempotency key is already in the ledger, runs the rest through
the engine, and writes entries, lots, movements and the account caches in bulk. ``award``, ``spend``,
``reverse`` and friends are thin shapes over it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.db import allocate_ids, copy_rows, update_rows
from jifen.core.errors import ApplicationError
from jifen.ledger import engine, standings
from jifen.ledger.engine import AccountState, LotState, Posting, money
from jifen.ledger.expiry import expires_at as policy_expiry
from jifen.ledger.models import (
    Account,
    Currency,
    CurrencySettings,
    Entry,
    EntryKind,
    ExpiryPolicy,
    Lot,
    LotMovement,
)
from jifen.org.models import Person


@dataclass
class PostResult:
    entry: Entry
    created: bool


@dataclass(frozen=True)
class PostedEntry:
    """What the bulk (COPY) path answers instead of a model instance: enough to report a posting."""

    pk: int
    account_id: int
    seq: int
    kind: str
    amount: Decimal
    rule_label: str
    idempotency_key: str


@dataclass
class Request:
    """One posting for one person's account."""

    person_id: int
    currency: str
    posting: Posting


# ---------------------------------------------------------------- accounts and states


def account_for(*, person_id: int, currency: str) -> Account:
    if currency not in Currency.values:
        raise ApplicationError(_("Unknown currency."), field="currency")
    account, _created = Account.objects.get_or_create(person_id=person_id, currency=currency)
    return account


def _ensure_accounts(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    existing = {
        (person_id, currency): pk
        for pk, person_id, currency in Account.objects.filter(
            person_id__any={p for p, _c in pairs}
        ).values_list("pk", "person_id", "currency")
    }
    missing = [Account(person_id=p, currency=c) for (p, c) in pairs if (p, c) not in existing]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        for pk, person_id, currency in Account.objects.filter(
            person_id__in={a.person_id for a in missing}
        ).values_list("pk", "person_id", "currency"):
            existing[(person_id, currency)] = pk
    return {pair: existing[pair] for pair in pairs}


def _load_states(account_ids: list[int], extra_lot_ids: set[int] = frozenset(), *,
                 due_only: set[int] = frozenset(), now: dt.datetime | None = None) -> dict[int, AccountState]:
    """Lock the accounts (in pk order) and load them with their open lots and any lots asked for.

    For the accounts in ``due_only`` (those that only receive awards in this batch) only the lots due
    to expire by ``now`` are loaded: an award never takes from a lot, it only needs the balance (to
    repay a debt) and the lots that expire before it (so expiry is written first)."""
    ordered = sorted(set(account_ids))
    states = {
        pk: AccountState(account_id=pk, currency=currency, balance=balance, seq=count, last_hash=last_hash)
        for pk, currency, balance, count, last_hash in Account.objects.select_for_update()
        .filter(pk__any=ordered)
        .order_by("pk")
        .values_list("pk", "currency", "balance", "entry_count", "last_hash")
    }
    full = [pk for pk in ordered if pk not in due_only]
    lots = Lot.objects.none()
    if full:
        lots = lots | Lot.objects.filter(account_id__any=full, remaining__gt=0)
    if due_only:
        lots = lots | Lot.objects.filter(account_id__any=sorted(due_only), remaining__gt=0, expires_at__lte=now)
    if extra_lot_ids:
        lots = lots | Lot.objects.filter(pk__in=extra_lot_ids)
    for pk, account_id, opened_seq, amount, remaining, expires in lots.values_list(
        "pk", "account_id", "entry__seq", "amount", "remaining", "expires_at"
    ):
        states[account_id].lots[opened_seq] = LotState(
            opened_seq=opened_seq, amount=amount, remaining=remaining, expires_at=expires, id=pk
        )
    return states


def _persist(planned: list[engine.PlannedEntry], states: dict[int, AccountState]) -> list[Entry]:
    entries = [
        Entry(
            account_id=p.account_id, seq=p.seq, kind=p.posting.kind, amount=money(p.posting.amount),
            balance_after=p.balance_after, idempotency_key=p.posting.key, occurred_at=p.posting.occurred_at,
            posted_at=p.posted_at, credit_type=p.posting.credit_type, rule_version_id=p.posting.rule_version_id,
            rule_label=p.posting.rule_label, source_type_id=p.posting.source_type_id, source_id=p.posting.source_id,
            actor_id=p.posting.actor_id, reason=p.posting.reason, reverses_id=p.posting.reverses_id,
            prev_hash=p.prev_hash, hash=p.hash,
        )
        for p in planned
    ]
    Entry.objects.bulk_create(entries)
    entry_ids = {(e.account_id, e.seq): e.pk for e in entries}
    new_lots = [(p.account_id, p.new_lot) for p in planned if p.new_lot is not None]
    lot_rows = [
        Lot(account_id=account_id, entry_id=entry_ids[(account_id, lot.opened_seq)], amount=lot.amount,
            remaining=lot.remaining, expires_at=lot.expires_at)
        for account_id, lot in new_lots
    ]
    Lot.objects.bulk_create(lot_rows)
    for (_account_id, lot), row in zip(new_lots, lot_rows, strict=True):
        lot.id = row.pk
        lot.dirty = False
    update_rows(Lot, ["remaining"], [
        (lot.id, lot.remaining) for state in states.values() for lot in state.lots.values()
        if lot.dirty and lot.id is not None
    ])
    LotMovement.objects.bulk_create(
        [
            LotMovement(entry_id=entry_ids[(p.account_id, p.seq)], lot_id=lot.id, amount=amount)
            for p in planned
            for lot, amount in p.movements
        ],
        batch_size=1000,
    )
    _write_account_heads(planned, states)
    return entries


def _write_account_heads(planned: list[engine.PlannedEntry], states: dict[int, AccountState]) -> None:
    """Each touched account's cached balance, entry count and chain head, in one statement."""
    update_rows(Account, ["balance", "entry_count", "last_hash"], [
        (pk, states[pk].balance, states[pk].seq, states[pk].last_hash)
        for pk in sorted({p.account_id for p in planned})
    ])


ENTRY_COLUMNS = [
    "id", "account_id", "seq", "kind", "amount", "balance_after", "idempotency_key", "occurred_at", "posted_at",
    "credit_type", "rule_version_id", "rule_label", "source_type_id", "source_id", "actor_id", "reason",
    "reverses_id", "prev_hash", "hash",
]


def _persist_copy(planned: list[engine.PlannedEntry], states: dict[int, AccountState]) -> list[PostedEntry]:
    """The same writes as _persist, with PostgreSQL's COPY and ids taken from the sequences: for large
    batches (event intake), where building model instances would cost more than the database does."""
    connection = connections[router.db_for_write(Entry)]
    ids = allocate_ids(connection, Entry, len(planned))
    copy_rows(connection, Entry, ENTRY_COLUMNS, (
        (pk, p.account_id, p.seq, p.posting.kind, money(p.posting.amount), p.balance_after, p.posting.key,
         p.posting.occurred_at, p.posted_at, p.posting.credit_type, p.posting.rule_version_id, p.posting.rule_label,
         p.posting.source_type_id, p.posting.source_id, p.posting.actor_id, p.posting.reason, p.posting.reverses_id,
         p.prev_hash, p.hash)
        for pk, p in zip(ids, planned, strict=True)
    ))
    entry_ids = {(p.account_id, p.seq): pk for pk, p in zip(ids, planned, strict=True)}
    new_lots = [(p.account_id, p.new_lot) for p in planned if p.new_lot is not None]
    for (_account_id, lot), pk in zip(new_lots, allocate_ids(connection, Lot, len(new_lots)), strict=True):
        lot.id = pk
    copy_rows(connection, Lot, ["id", "account_id", "entry_id", "amount", "remaining", "expires_at"], (
        (lot.id, account_id, entry_ids[(account_id, lot.opened_seq)], lot.amount, lot.remaining, lot.expires_at)
        for account_id, lot in new_lots
    ))
    new_ids = {id(lot) for _a, lot in new_lots}
    update_rows(Lot, ["remaining"], [(lot.id, lot.remaining) for state in states.values()
                                     for lot in state.lots.values() if lot.dirty and id(lot) not in new_ids])
    for _a, lot in new_lots:
        lot.dirty = False
    copy_rows(connection, LotMovement, ["entry_id", "lot_id", "amount"], (
        (entry_ids[(p.account_id, p.seq)], lot.id, amount) for p in planned for lot, amount in p.movements
    ))
    _write_account_heads(planned, states)
    return [
        PostedEntry(pk=pk, account_id=p.account_id, seq=p.seq, kind=p.posting.kind, amount=money(p.posting.amount),
                    rule_label=p.posting.rule_label, idempotency_key=p.posting.key)
        for pk, p in zip(ids, planned, strict=True)
    ]


@transaction.atomic
def post_many(requests: list[Request], *, now: dt.datetime | None = None, bulk: bool = False) -> list[PostResult]:
    """Post many entries at once, set-based. Results come back in the order asked; a key already in
    the ledger (or earlier in the same batch) is a duplicate and posts nothing. ``bulk`` (PostgreSQL,
    large batches) writes with COPY and answers PostedEntry records instead of model instances."""
    now = now or timezone.now()
    if not requests:
        return []
    account_ids = _ensure_accounts({(r.person_id, r.currency) for r in requests})
    extra_lots = _lots_to_give_back(requests)
    takes = {account_ids[(r.person_id, r.currency)] for r in requests
             if r.posting.amount < 0 or r.posting.give_back or r.posting.take_first}
    states = _load_states(list(account_ids.values()), extra_lots,
                          due_only={pk for pk in account_ids.values() if pk not in takes}, now=now)
    keys = [r.posting.key for r in requests]
    existing = {e.idempotency_key: e for e in Entry.objects.filter(idempotency_key__any=keys)}
    planned: list[engine.PlannedEntry] = []
    slots: list[tuple[str, int | None]] = []  # (key, index into planned) per request
    seen: set[str] = set()
    for request in requests:
        key = request.posting.key
        if key in existing or key in seen:
            slots.append((key, None))
            continue
        seen.add(key)
        state = states[account_ids[(request.person_id, request.currency)]]
        if request.posting.must_cover and request.currency != Currency.POINTS:
            raise ApplicationError(_("Credits cannot be spent."), field="currency")
        steps = engine.apply(state, request.posting, now)
        planned.extend(steps)
        slots.append((key, len(planned) - 1))
    use_copy = bulk and len(planned) >= 200 and connections[router.db_for_write(Entry)].vendor == "postgresql"
    written = (_persist_copy if use_copy else _persist)(planned, states) if planned else []
    if planned:
        standings.record(planned, {pk: state.currency for pk, state in states.items()},
                         {pk: person_id for (person_id, _c), pk in account_ids.items()})
    results = []
    for key, index in slots:
        if index is None:
            entry = existing.get(key) or next(e for e in written if e.idempotency_key == key)
            results.append(PostResult(entry=entry, created=False))
        else:
            results.append(PostResult(entry=written[index], created=True))
    return results


def _lots_to_give_back(requests: list[Request]) -> set[int]:
    """Lots a reversal or refund restores may be closed already: load them too."""
    reversed_ids = [r.posting.reverses_id for r in requests if r.posting.give_back and r.posting.reverses_id]
    source_ids = [r.posting.source_id for r in requests if r.posting.give_back and r.posting.kind == EntryKind.REFUND]
    if not reversed_ids and not source_ids:
        return set()
    return set(
        LotMovement.objects.filter(entry_id__in=[*reversed_ids, *source_ids]).values_list("lot_id", flat=True)
    )


def post(*, person: Person | int, currency: str, posting: Posting, now: dt.datetime | None = None) -> PostResult:
    person_id = person if isinstance(person, int) else person.pk
    try:
        with transaction.atomic():
            return post_many([Request(person_id, currency, posting)], now=now)[0]
    except IntegrityError:
        # The same key was posted to another account at the same moment: it is taken.
        existing = Entry.objects.filter(idempotency_key=posting.key).first()
        if existing is None:
            raise
        return PostResult(entry=existing, created=False)


# ---------------------------------------------------------------- shapes of posting


def expiry_policies() -> dict[str, tuple[str, int]]:
    """Each currency's default expiry policy and months: read once per batch, not once per entry."""
    return {row.currency: (row.expiry_policy, row.expiry_months) for row in CurrencySettings.objects.all()}


def default_expiry(currency: str, earned_at: dt.datetime,
                   policies: dict[str, tuple[str, int]] | None = None) -> dt.datetime | None:
    policy = (policies if policies is not None else expiry_policies()).get(currency)
    if policy is None:
        return None
    return policy_expiry(*policy, earned_at)


def _source(obj) -> dict:
    if obj is None:
        return {}
    return {"source_type_id": ContentType.objects.get_for_model(obj).pk, "source_id": obj.pk}


def _check_amount(amount) -> Decimal:
    amount = money(amount)
    if amount <= 0:
        raise ApplicationError(_("The amount must be greater than zero."), field="amount")
    return amount


def award(*, person, currency: str, amount, key: str, reason: str, occurred_at: dt.datetime | None = None,
          now: dt.datetime | None = None, credit_type: str = "", rule_version_id: int | None = None,
          rule_label: str = "", source=None, actor=None, expiry: tuple[str, int] | None = None) -> PostResult:
    now = now or timezone.now()
    occurred_at = occurred_at or now
    expires = policy_expiry(*expiry, occurred_at) if expiry else default_expiry(currency, occurred_at)
    posting = Posting(
        kind=EntryKind.AWARD, amount=_check_amount(amount), key=key, occurred_at=occurred_at, reason=reason,
        credit_type=credit_type, rule_version_id=rule_version_id, rule_label=rule_label,
        actor_id=getattr(actor, "pk", None), expires_at=expires, **_source(source),
    )
    return post(person=person, currency=currency, posting=posting, now=now)


def penalize(*, person, currency: str, amount, key: str, reason: str, occurred_at: dt.datetime | None = None,
             now: dt.datetime | None = None, credit_type: str = "", rule_version_id: int | None = None,
             rule_label: str = "", source=None, actor=None) -> PostResult:
    now = now or timezone.now()
    posting = Posting(
        kind=EntryKind.PENALTY, amount=-_check_amount(amount), key=key, occurred_at=occurred_at or now,
        reason=reason, credit_type=credit_type, rule_version_id=rule_version_id, rule_label=rule_label,
        actor_id=getattr(actor, "pk", None), **_source(source),
    )
    return post(person=person, currency=currency, posting=posting, now=now)


def spend(*, person, amount, key: str, reason: str, now: dt.datetime | None = None, source=None,
          actor=None) -> PostResult:
    """Spend points, from the lots that expire first. Refused (InsufficientBalance) rather than overdrawn."""
    now = now or timezone.now()
    posting = Posting(
        kind=EntryKind.SPEND, amount=-_check_amount(amount), key=key, occurred_at=now, reason=reason,
        actor_id=getattr(actor, "pk", None), must_cover=True, **_source(source),
    )
    return post(person=person, currency=Currency.POINTS, posting=posting, now=now)


def _give_back_plan(entry: Entry) -> list[tuple[int, Decimal]]:
    return [(opened_seq, -amount) for opened_seq, amount in
            entry.movements.filter(amount__lt=0).order_by("pk").values_list("lot__entry__seq", "amount")]


def refund(*, spend_entry: Entry, reason: str, now: dt.datetime | None = None, actor=None) -> PostResult:
    """Give back what a spend took, to the lots it took from (those not yet expired). A spend is
    refunded at most once: the key is the spend's own, so a second refund is a duplicate."""
    now = now or timezone.now()
    if spend_entry.kind != EntryKind.SPEND:
        raise ApplicationError(_("Only a spend can be refunded."))
    posting = Posting(
        kind=EntryKind.REFUND, amount=-spend_entry.amount, key=f"refund:{spend_entry.pk}", occurred_at=now, reason=reason,
        actor_id=getattr(actor, "pk", None), source_type_id=ContentType.objects.get_for_model(Entry).pk,
        source_id=spend_entry.pk, give_back=_give_back_plan(spend_entry),
        expires_at=default_expiry(Currency.POINTS, now),
    )
    account = spend_entry.account
    return post(person=account.person_id, currency=account.currency, posting=posting, now=now)


def reverse(*, entry: Entry, key: str, reason: str, actor=None, now: dt.datetime | None = None) -> PostResult:
    """Undo an entry with a new one of the opposite amount that points at it. An award's reversal takes
    back from the lot it opened first; a deduction's reversal gives back to the lots it took from."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("A reversal needs a reason."), field="reason")
    if entry.kind in (EntryKind.REVERSAL, EntryKind.EXPIRY):
        raise ApplicationError(_("A reversal or an expiry cannot itself be reversed."))
    if Entry.objects.filter(reverses=entry).exclude(idempotency_key=key).exists():
        raise ApplicationError(_("This entry has already been reversed."))
    account = entry.account
    positive = entry.amount < 0
    posting = Posting(
        kind=EntryKind.REVERSAL, amount=-entry.amount, key=key, occurred_at=entry.occurred_at, reason=reason,
        credit_type=entry.credit_type, rule_version_id=entry.rule_version_id, rule_label=entry.rule_label,
        actor_id=getattr(actor, "pk", None), reverses_id=entry.pk,
        take_first=[entry.seq] if not positive else [],
        give_back=_give_back_plan(entry) if positive else [],
        expires_at=default_expiry(account.currency, now) if positive else None,
    )
    return post(person=account.person_id, currency=account.currency, posting=posting, now=now)


def adjust(*, person, currency: str, amount, key: str, reason: str, actor, source=None,
           now: dt.datetime | None = None, credit_type: str = "") -> PostResult:
    """A manual adjustment (posted only by an approved maker-checker request)."""
    now = now or timezone.now()
    amount = money(amount)
    if amount == 0:
        raise ApplicationError(_("An adjustment needs a non-zero amount."), field="amount")
    posting = Posting(
        kind=EntryKind.ADJUSTMENT, amount=amount, key=key, occurred_at=now, reason=reason, credit_type=credit_type,
        actor_id=getattr(actor, "pk", None), expires_at=default_expiry(currency, now) if amount > 0 else None,
        **_source(source),
    )
    return post(person=person, currency=currency, posting=posting, now=now)


def expire_due_lots(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Write expiry entries for every lot whose time has come. Safe to run at any time, as often as
    wanted, beside any other writer: each account is expired under its own lock.

    Accounts are taken in id order, ``batch_size`` a transaction, each batch starting after the last
    account of the one before (an index walk, never a rescan of the lots already closed). Only the due
    lots are loaded: expiry takes from nothing else. On PostgreSQL a large batch is written with COPY,
    as the event intake is."""
    now = now or timezone.now()
    expired = 0
    after = 0
    bulk = connections[router.db_for_write(Entry)].vendor == "postgresql"
    while True:
        account_ids = list(
            Lot.objects.filter(remaining__gt=0, expires_at__lte=now, account_id__gt=after)
            .values_list("account_id", flat=True)
            .distinct()
            .order_by("account_id")[:batch_size]
        )
        if not account_ids:
            return expired
        after = account_ids[-1]
        with transaction.atomic():
            states = _load_states(account_ids, due_only=set(account_ids), now=now)
            planned = [step for state in states.values() for step in engine.expire_due(state, now)]
            if planned:
                (_persist_copy if bulk and len(planned) >= 200 else _persist)(planned, states)
            expired += len(planned)


def ensure_currency_settings() -> None:
    for currency, policy in ((Currency.POINTS, ExpiryPolicy.YEAR_END_GRACE), (Currency.CREDITS, ExpiryPolicy.NEVER)):
        CurrencySettings.objects.get_or_create(currency=currency, defaults={"expiry_policy": policy, "expiry_months": 3})

