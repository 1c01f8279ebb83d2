"""Expiring lots against a raw UPDATE: the real expiry job beside one bare SQL UPDATE of the same lots.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_expiry.py --lots 1000000

Uses the server's ``jifen_bench`` database (``--database`` for another; its schema is dropped and
migrated afresh). 10,000 people each earned 100 awards of 5 points during 2026 (written directly, with a
valid hash chain, balances and standings), so 1,000,000 lots fall due together when 2026's points
expire (end of year plus the default three months' grace). Measured on the same lots, in this order:

1. baseline 1, the issue's: one ``UPDATE ledger_lot SET remaining = 0`` of every due lot;
2. baseline 2, everything an expiry must write, done bare: that UPDATE, a COPY of one expiry entry per
   lot, a COPY of one lot movement per lot, and one UPDATE of the accounts' balances;
3. the real job: ``jifen.ledger.services.expire_due_lots`` (what ``jifen expire`` and the worker's daily
   expiry job in ``jifen.notify.tasks`` run), committing batch by batch.

Both baselines run in a transaction that is rolled back (then VACUUM), so the job finds the lots as they
were; ``jifen verify`` must pass after the job. Prints the times and ratios, and replaces this section
of bench/RESULTS.md. Target (issue: ledger): the job at most 3x the raw UPDATE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_org
from bench_org import database_label, fresh_schema, machine, prepare_postgres, setup_django, write_results

PEOPLE = 10_000
AMOUNT = Decimal("5.00")
EARNED_FROM = dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 4, 2, tzinfo=dt.UTC)  # after 2026's points expired (1 April 2027, local time)

NOTE = """Which baseline. The issue compares the job with a raw UPDATE (baseline 1): it closes the lots and
writes nothing else, so afterwards the balances, the history and the hash chains no longer say what
happened. An expiry that keeps the ledger's invariants writes, for each lot, an entry (with its hash
chained to the account's previous one) and a lot movement, and updates the account's balance, count
and chain head; baseline 2 does all of that bare, with COPY and one UPDATE of the accounts, and none of
the job's work in Python (loading and locking the accounts, planning each expiry, hashing). Neither
baseline commits (both are rolled back so that the job finds the same lots): the job's ratio includes
its commits, one per 500 accounts.

What was done for this. The job walks the accounts with due lots in id order, 500 a transaction, each
batch starting after the previous one's last account (it used to look for the next accounts from the
start of the lots again, passing every lot it had just closed); it loads only the due lots of those
accounts (expiry takes from nothing else; it used to load every open lot); and on PostgreSQL a batch is
written as the event intake writes: entries and movements with COPY, lots and accounts with one
UPDATE each over arrays, where it used to build a model instance for every entry and movement."""


def build(lots: int) -> float:
    """Accounts, award entries (hash-chained) and their lots, written directly; standings rebuilt."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from jifen.core.db import allocate_ids, copy_rows, update_rows
    from jifen.ledger import standings
    from jifen.ledger.engine import entry_hash
    from jifen.ledger.expiry import expires_at
    from jifen.ledger.models import Account, Entry, ExpiryPolicy
    from jifen.ledger.services import ENTRY_COLUMNS, ensure_currency_settings
    from jifen.org import services
    from jifen.org.models import Person

    started = time.perf_counter()
    ensure_currency_settings()
    root = services.unit_create(name="总部")
    people = Person.objects.bulk_create(
        [Person(employee_no=f"E{i:06d}", name=f"员工{i}", org_unit=root) for i in range(PEOPLE)], batch_size=5000
    )
    accounts = Account.objects.bulk_create([Account(person=p, currency="points") for p in people], batch_size=5000)
    per_account = lots // len(accounts)
    posted = EARNED_FROM
    source_type_id = ContentType.objects.get_for_model(Account).pk
    heads = []

    def entry_rows(ids):
        ids = iter(ids)
        for account in accounts:
            last_hash, balance = "", Decimal(0)
            for seq in range(1, per_account + 1):
                occurred = EARNED_FROM + dt.timedelta(seconds=(account.pk * per_account + seq) % 30_000_000)
                balance += AMOUNT
                key = f"bench-award:{account.pk}:{seq}"
                digest = entry_hash(
                    prev_hash=last_hash, account_id=account.pk, seq=seq, kind="award", amount=AMOUNT,
                    balance_after=balance, key=key, occurred_at=occurred, posted_at=posted, credit_type="",
                    rule_version_id=None, rule_label="bench", source_type_id=source_type_id, source_id=account.pk,
                    actor_id=None, reason="bench", reverses_id=None,
                )
                yield (next(ids), account.pk, seq, "award", AMOUNT, balance, key, occurred, posted, "", None,
                       "bench", source_type_id, account.pk, None, "bench", None, last_hash, digest)
                last_hash = digest
            heads.append((account.pk, balance, per_account, last_hash))

    # Every lot was earned in 2026 (local time), so all expire at the same moment.
    expiry = expires_at(ExpiryPolicy.YEAR_END_GRACE, 3, EARNED_FROM)
    with transaction.atomic():
        copy_rows(connection, Entry, ENTRY_COLUMNS, entry_rows(allocate_ids(connection, Entry, per_account * len(accounts))))
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_lot (account_id, entry_id, amount, remaining, expires_at) "
                           "SELECT account_id, id, amount, amount, %s FROM ledger_entry ORDER BY id", [expiry])
        update_rows(Account, ["balance", "entry_count", "last_hash"], heads)
        standings.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def timed_and_rolled_back(statements) -> float:
    """Run ``statements(raw_cursor)`` in a transaction, time it, roll it back, and VACUUM after."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            statements(cursor.cursor)
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_lot")
        cursor.execute("VACUUM ANALYZE ledger_entry")
        cursor.execute("VACUUM ANALYZE ledger_lotmovement")
        cursor.execute("VACUUM ANALYZE ledger_account")
    return elapsed


def raw_update(raw) -> None:
    raw.execute("UPDATE ledger_lot SET remaining = 0 WHERE remaining > 0 AND expires_at <= %s", [NOW])


def raw_all_writes(raw) -> None:
    """The UPDATE, then one entry and one movement per lot by COPY, then the accounts in one UPDATE."""
    raw.execute("UPDATE ledger_lot SET remaining = 0 WHERE remaining > 0 AND expires_at <= %s "
                "RETURNING id, account_id, amount", [NOW])
    closed = raw.fetchall()
    raw.execute("SELECT id, entry_count, balance FROM ledger_account")
    heads = {pk: [count, balance] for pk, count, balance in raw.fetchall()}
    raw.execute("SELECT array_agg(nextval(pg_get_serial_sequence('ledger_entry', 'id'))) FROM generate_series(1, %s)",
                [len(closed)])
    ids = raw.fetchone()[0]
    movements = []
    with raw.copy("COPY ledger_entry (id, account_id, seq, kind, amount, balance_after, idempotency_key, "
                  "occurred_at, posted_at, credit_type, rule_label, reason, prev_hash, hash) FROM STDIN") as copy:
        for pk, (lot_id, account_id, amount) in zip(ids, closed, strict=True):
            head = heads[account_id]
            head[0] += 1
            head[1] -= amount
            copy.write_row((pk, account_id, head[0], "expiry", -amount, head[1], f"raw-expiry:{lot_id}", NOW, NOW,
                            "", "", "expired", "", ""))
            movements.append((pk, lot_id, -amount))
    with raw.copy("COPY ledger_lotmovement (entry_id, lot_id, amount) FROM STDIN") as copy:
        for row in movements:
            copy.write_row(row)
    rows = sorted((pk, count, balance) for pk, (count, balance) in heads.items())
    raw.execute(
        "UPDATE ledger_account SET entry_count = v.entry_count, balance = v.balance "
        "FROM unnest(%s::bigint[], %s::integer[], %s::numeric[]) AS v(id, entry_count, balance) "
        "WHERE ledger_account.id = v.id",
        [list(column) for column in zip(*rows, strict=True)],
    )


def job() -> tuple[float, int]:
    from jifen.ledger.services import expire_due_lots

    started = time.perf_counter()
    expired = expire_due_lots(now=NOW)
    return time.perf_counter() - started, expired


def verify() -> tuple[bool, float]:
    from django.core.management import CommandError, call_command

    started = time.perf_counter()
    try:
        call_command("verify", stdout=sys.stdout, stderr=sys.stderr)
        return True, time.perf_counter() - started
    except CommandError as error:
        print(error, file=sys.stderr)
        return False, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--database", default="jifen_bench", help="database on the server (made when missing)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    bench_org.BENCH_DB = args.database
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    setup_django(prepare_postgres(url, "zh", recreate=False))
    import django

    fresh_schema()
    print(f"writing {args.lots:,} lots of {PEOPLE:,} people …", flush=True)
    build_s = build(args.lots)
    from jifen.ledger.models import Entry, Lot

    due = Lot.objects.filter(remaining__gt=0, expires_at__lte=NOW).count()
    print(f"  {build_s:.1f} s; {due:,} lots due", flush=True)
    update_s = timed_and_rolled_back(raw_update)
    print(f"baseline 1, one raw UPDATE of the due lots: {update_s:.1f} s", flush=True)
    all_s = timed_and_rolled_back(raw_all_writes)
    print(f"baseline 2, the UPDATE + COPY of the entries and movements + accounts: {all_s:.1f} s", flush=True)
    job_s, expired = job()
    print(f"expire_due_lots: {job_s:.1f} s, {expired:,} lots expired ({expired / job_s:,.0f}/s)", flush=True)
    left = Lot.objects.filter(remaining__gt=0, expires_at__lte=NOW).count()
    entries = Entry.objects.filter(kind="expiry").count()
    ratio, all_ratio = job_s / update_s, job_s / all_s
    print(f"ratio to the raw UPDATE: {ratio:.1f}x; to all the writes done bare: {all_ratio:.1f}x (target at most 3x)")
    verified, verify_s = verify()
    print(f"jifen verify after the job: {'passed' if verified else 'FAILED'} ({verify_s:.0f} s); "
          f"{entries:,} expiry entries, {left:,} due lots left open", flush=True)
    if args.no_write:
        return
    key, db = database_label()
    m = machine()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = lambda r: "meets" if r <= 3 else "does NOT meet"  # noqa: E731
    section = "\n".join([
        f"<!-- bench:expiry_{key} -->",
        f"## Expiring lots vs a raw UPDATE — {db}",
        "",
        f"Run {stamp} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run (the machine is shared: "
        "other work ran beside it)",
        "",
        f"{PEOPLE:,} people with {args.lots // PEOPLE:,} lots each, {due:,} lots due at once (written in "
        f"{build_s:.0f} s).",
        "",
        "| what | lots | seconds | lots/s |",
        "|---|---:|---:|---:|",
        f"| the expiry job (`expire_due_lots`, 500 accounts a transaction) | {expired:,} | {job_s:.1f} | "
        f"{expired / job_s:,.0f} |",
        f"| baseline 1: one raw UPDATE of the due lots (`remaining = 0`) | {due:,} | {update_s:.1f} | "
        f"{due / update_s:,.0f} |",
        f"| baseline 2: that UPDATE + COPY of the entries and movements + one UPDATE of the accounts | {due:,} | "
        f"{all_s:.1f} | {due / all_s:,.0f} |",
        "",
        f"Ratio job / raw UPDATE (baseline 1): **{ratio:.1f}x** — {verdict(ratio)} the target of at most 3x. "
        f"Ratio job / all the writes done bare (baseline 2): **{all_ratio:.1f}x** — {verdict(all_ratio)} it. "
        f"After the job: {entries:,} expiry entries, {left:,} due lots left open, `jifen verify` "
        f"{'passed' if verified else 'FAILED'}.",
        "",
        NOTE,
        f"<!-- /bench:expiry_{key} -->",
    ])
    write_results(section)
    print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
