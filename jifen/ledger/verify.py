"""`jifen verify`: prove, from the rows alone, that the ledger holds every invariant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from jifen.ledger.engine import ZERO, entry_hash, money
from jifen.ledger.models import Account, Entry, EntryKind, Lot, LotMovement


@dataclass(frozen=True)
class Problem:
    account_id: int
    person_id: int
    currency: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"account {self.account_id} (person {self.person_id}, {self.currency})"
        if self.seq is not None:
            where += f" entry #{self.seq}"
        return f"{where}: {self.message}"


ENTRY_FIELDS = (
    "pk", "seq", "kind", "amount", "balance_after", "idempotency_key", "occurred_at", "posted_at", "credit_type",
    "rule_version_id", "rule_label", "source_type_id", "source_id", "actor_id", "reason", "reverses_id",
    "prev_hash", "hash",
)


def verify_account(account: Account) -> list[Problem]:
    problems: list[Problem] = []

    def fail(seq, message):
        problems.append(Problem(account.pk, account.person_id, account.currency, seq, message))

    prev_hash, running, expected_seq = "", ZERO, 0
    amounts: dict[int, Decimal] = {}
    for row in Entry.objects.filter(account=account).order_by("seq").values_list(*ENTRY_FIELDS).iterator(2000):
        (pk, seq, kind, amount, balance_after, key, occurred_at, posted_at, credit_type, rule_version_id,
         rule_label, source_type_id, source_id, actor_id, reason, reverses_id, stored_prev, stored_hash) = row
        expected_seq += 1
        if seq != expected_seq:
            fail(seq, f"sequence jumps from {expected_seq - 1} to {seq} (an entry is missing)")
            expected_seq = seq
        running += amount
        amounts[pk] = amount
        if money(balance_after) != money(running):
            fail(seq, f"balance after is {balance_after}, the entries add up to {running}")
        if kind == EntryKind.SPEND and balance_after < 0:
            fail(seq, "a spend overdrew the account")
        if stored_prev != prev_hash:
            fail(seq, "the chain is broken: previous hash does not match")
        digest = entry_hash(
            prev_hash=stored_prev, account_id=account.pk, seq=seq, kind=kind, amount=amount,
            balance_after=balance_after, key=key, occurred_at=occurred_at, posted_at=posted_at,
            credit_type=credit_type, rule_version_id=rule_version_id, rule_label=rule_label,
            source_type_id=source_type_id, source_id=source_id, actor_id=actor_id, reason=reason,
            reverses_id=reverses_id,
        )
        if digest != stored_hash:
            fail(seq, "the entry's content does not match its hash (it was altered)")
        prev_hash = stored_hash
    if expected_seq != account.entry_count:
        fail(None, f"the account counts {account.entry_count} entries, the ledger has {expected_seq}")
    if money(running) != money(account.balance):
        fail(None, f"balance {account.balance} differs from the sum of entries {running}")
    if prev_hash != account.last_hash:
        fail(None, "the account's last hash is not its newest entry's hash")

    moved = dict(
        LotMovement.objects.filter(lot__account=account).values("lot_id").annotate(total=Sum("amount"))
        .values_list("lot_id", "total")
    )
    open_total = ZERO
    for lot_id, amount, remaining in Lot.objects.filter(account=account).values_list("pk", "amount", "remaining"):
        if money(amount + moved.get(lot_id, ZERO)) != money(remaining):
            fail(None, f"lot {lot_id}: remaining {remaining} differs from its movements")
        open_total += remaining
    expected_open = running if running > 0 else ZERO
    if money(open_total) != money(expected_open):
        fail(None, f"open lots hold {open_total}, the balance needs {expected_open}")
    for entry_id, reversed_id in Entry.objects.filter(account=account, kind=EntryKind.REVERSAL).values_list(
        "pk", "reverses_id"
    ):
        original = amounts.get(reversed_id)
        if original is None:
            original = Entry.objects.filter(pk=reversed_id).values_list("amount", flat=True).first()
        if original is None or money(original) != -money(amounts[entry_id]):
            fail(None, f"reversal {entry_id} does not mirror the entry it reverses")
    return problems


def verify_all() -> Iterator[Problem]:
    for account in Account.objects.order_by("pk").iterator(500):
        yield from verify_account(account)


def duplicate_keys() -> dict[str, int]:
    """The database's UNIQUE makes this empty; checked anyway, so a dropped constraint shows."""
    counts: dict[str, int] = defaultdict(int)
    for key in Entry.objects.values_list("idempotency_key", flat=True).iterator(5000):
        counts[key] += 1
    return {key: n for key, n in counts.items() if n > 1}


def adjustment_problems() -> list[str]:
    """Maker-checker, proved from the rows: every adjustment entry was posted by an approved request
    that someone other than its proposer decided, and matches its line; no line of a request that
    is awaiting approval or was rejected has posted anything."""
    from jifen.ledger.models import AdjustmentLine, AdjustmentStatus

    problems = []
    lines = AdjustmentLine.objects.values_list(
        "pk", "batch_id", "batch__status", "batch__proposed_by_id", "batch__decided_by_id", "person_id", "currency",
        "amount", "entry_id", "entry__kind", "entry__amount", "entry__account__person_id", "entry__account__currency",
    )
    for (pk, batch_id, status, proposer, decider, person_id, currency, amount, entry_id, kind, entry_amount,
         entry_person, entry_currency) in lines.iterator(2000):
        where = f"adjustment {batch_id} line {pk}"
        if status != AdjustmentStatus.APPROVED:
            if entry_id is not None:
                problems.append(f"{where}: posted entry {entry_id} although the request is {status}")
            continue
        if proposer == decider:
            problems.append(f"{where}: approved by its own proposer")
        if entry_id is None:
            problems.append(f"{where}: approved but nothing was posted")
        elif (kind != EntryKind.ADJUSTMENT or entry_person != person_id or entry_currency != currency
              or money(entry_amount) != money(amount)):
            problems.append(f"{where}: entry {entry_id} does not match the line (person, currency or amount)")
    for account_id, seq in Entry.objects.filter(kind=EntryKind.ADJUSTMENT, adjustment_line__isnull=True).values_list(
        "account_id", "seq"
    ):
        problems.append(f"account {account_id} entry #{seq}: an adjustment posted without an approved request")
    return problems
