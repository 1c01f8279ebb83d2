"""The ledger's arithmetic, with no database: an account's state in memory and what one posting does
to it. The service loads states under row locks, runs postings through here, and writes the result in
bulk, so one posting and a batch of a million follow exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


class InsufficientBalance(ApplicationError):
    def __init__(self, available: Decimal, wanted: Decimal):
        super().__init__(
            _("Not enough points: %(available)s available, %(wanted)s needed.")
            % {"available": available, "wanted": wanted},
            code="insufficient_balance",
        )
        self.available = available
        self.wanted = wanted


@dataclass
class LotState:
    """A lot as the engine sees it. ``opened_seq`` (the seq of the entry that opened it) identifies
    it within its account before it has a database id."""

    opened_seq: int
    amount: Decimal
    remaining: Decimal
    expires_at: dt.datetime | None
    id: int | None = None
    dirty: bool = False

    def fefo_key(self):
        return (self.expires_at or FAR_FUTURE, self.opened_seq)

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass
class AccountState:
    account_id: int
    currency: str
    balance: Decimal
    seq: int
    last_hash: str
    lots: dict[int, LotState] = field(default_factory=dict)  # by opened_seq

    def open_lots(self) -> list[LotState]:
        return sorted((lot for lot in self.lots.values() if lot.remaining > 0), key=LotState.fefo_key)

    @property
    def debt(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


@dataclass
class Posting:
    """What a caller wants posted. ``amount`` is signed."""

    kind: str
    amount: Decimal
    key: str
    occurred_at: dt.datetime
    reason: str
    credit_type: str = ""
    rule_version_id: int | None = None
    rule_label: str = ""
    source_type_id: int | None = None
    source_id: int | None = None
    actor_id: int | None = None
    reverses_id: int | None = None
    expires_at: dt.datetime | None = None  # of the lot a positive posting opens
    take_first: list[int] = field(default_factory=list)  # opened_seq of lots to take from first
    give_back: list[tuple[int, Decimal]] = field(default_factory=list)  # (opened_seq, amount) to restore
    must_cover: bool = False  # a spend: refuse rather than leave a debt


@dataclass
class PlannedEntry:
    account_id: int
    seq: int
    posting: Posting
    balance_after: Decimal
    posted_at: dt.datetime
    prev_hash: str
    hash: str
    movements: list[tuple[LotState, Decimal]] = field(default_factory=list)
    new_lot: LotState | None = None


def entry_hash(*, prev_hash: str, account_id: int, seq: int, kind: str, amount: Decimal, balance_after: Decimal,
               key: str, occurred_at: dt.datetime, posted_at: dt.datetime, credit_type: str,
               rule_version_id: int | None, rule_label: str, source_type_id: int | None, source_id: int | None,
               actor_id: int | None, reason: str, reverses_id: int | None) -> str:
    """SHA-256 over the entry's content and the previous entry's hash: change any stored field of any
    entry and every later hash of that account stops matching."""
    parts = [
        prev_hash, str(account_id), str(seq), kind, str(money(amount)), str(money(balance_after)), key,
        _iso(occurred_at), _iso(posted_at), credit_type, _opt(rule_version_id), rule_label,
        _opt(source_type_id), _opt(source_id), _opt(actor_id), reason, _opt(reverses_id),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@functools.lru_cache(maxsize=1024)
def _iso(moment: dt.datetime) -> str:
    """Cached: a batch's entries share their posting time, and a day's expiries their moment."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _opt(value) -> str:
    return "" if value is None else str(value)


def _plan(state: AccountState, posting: Posting, now: dt.datetime) -> PlannedEntry:
    seq = state.seq + 1
    amount = money(posting.amount)
    movements: list[tuple[LotState, Decimal]] = []
    new_lot = None
    if amount < 0:
        wanted = -amount
        order = [state.lots[s] for s in posting.take_first if s in state.lots and state.lots[s].remaining > 0]
        # The other open lots (in FEFO order) only when the lots named first do not cover it: an expiry
        # names its one lot, and sorting every open lot for each of an account's expiries is quadratic.
        if posting.must_cover or sum((lot.remaining for lot in order), ZERO) < wanted:
            first = {lot.opened_seq for lot in order}
            order += [lot for lot in state.open_lots() if lot.opened_seq not in first]
        if posting.must_cover:
            available = sum((lot.remaining for lot in order), ZERO)
            if available < wanted:
                raise InsufficientBalance(available, wanted)
        left = wanted
        for lot in order:
            if left <= 0:
                break
            take = min(lot.remaining, left)
            lot.remaining -= take
            lot.dirty = True
            movements.append((lot, -take))
            left -= take
    else:
        rest = amount - min(amount, state.debt)  # later earnings repay a debt first
        for opened_seq, wanted in posting.give_back:
            lot = state.lots.get(opened_seq)
            if rest <= 0 or lot is None or lot.expired(now):
                continue
            give = min(money(wanted), rest, lot.amount - lot.remaining)
            if give > 0:
                lot.remaining += give
                lot.dirty = True
                movements.append((lot, give))
                rest -= give
        if rest > 0:
            new_lot = LotState(opened_seq=seq, amount=rest, remaining=rest, expires_at=posting.expires_at, dirty=True)
            state.lots[seq] = new_lot
    balance_after = state.balance + amount
    digest = entry_hash(
        prev_hash=state.last_hash, account_id=state.account_id, seq=seq, kind=posting.kind, amount=amount,
        balance_after=balance_after, key=posting.key, occurred_at=posting.occurred_at, posted_at=now,
        credit_type=posting.credit_type, rule_version_id=posting.rule_version_id, rule_label=posting.rule_label,
        source_type_id=posting.source_type_id, source_id=posting.source_id, actor_id=posting.actor_id,
        reason=posting.reason, reverses_id=posting.reverses_id,
    )
    planned = PlannedEntry(
        account_id=state.account_id, seq=seq, posting=posting, balance_after=balance_after, posted_at=now,
        prev_hash=state.last_hash, hash=digest, movements=movements, new_lot=new_lot,
    )
    state.seq = seq
    state.balance = balance_after
    state.last_hash = digest
    return planned


def expire_due(state: AccountState, now: dt.datetime) -> list[PlannedEntry]:
    """Expiry entries for every lot of the account whose time has come, earliest first."""
    planned = []
    reason = None
    for lot in state.open_lots():
        if not lot.expired(now):
            break
        reason = reason or _("Points expired")
        posting = Posting(
            kind="expiry", amount=-lot.remaining, key=f"expiry:{state.account_id}:{lot.opened_seq}",
            occurred_at=lot.expires_at, reason=reason, take_first=[lot.opened_seq],
        )
        planned.append(_plan(state, posting, now))
    return planned


def apply(state: AccountState, posting: Posting, now: dt.datetime) -> list[PlannedEntry]:
    """Post one entry: first expire what is due (an expired lot can't be spent), then the posting."""
    if money(posting.amount) == 0:
        raise ApplicationError(_("An entry needs a non-zero amount."), field="amount")
    planned = expire_due(state, now)
    planned.append(_plan(state, posting, now))
    return planned
