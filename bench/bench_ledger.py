"""Event intake against a raw COPY: the batch intake (rules evaluated, entries hash-chained, lots
opened, accounts cached) beside a bare COPY of the same number of rows into the same entry table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_ledger.py --events 1000000

Uses the server's ``jifen_bench`` database (its schema is dropped and migrated afresh). 10,000 people
each receive attendance events in batches of 1,000 through ``jifen.rules.services.record_events``
(the path the API and imports use); then the same number of entry rows is COPYed into ledger_entry
for the baseline. Prints both and the ratio, and replaces this section of bench/RESULTS.md.
Target (issue: ledger): the intake at most 3x the raw COPY.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_org import database_label, fresh_schema, machine, prepare_postgres, setup_django, write_results

NOTE = """Why the ratio is what it is. Each event makes the intake write three rows and update a fourth (the
event, its entry, the lot the award opens, the account's cached balance and chain head), where the baseline
writes one; and each batch adds its points to the leaderboards' standings (one upsert per person and
period: week, month, season, year). "All four bare writes together" is the database's share alone: the rest is Python, per event
about 90 µs on this machine: parsing and checking the event, evaluating the rules in force, the lot
arithmetic, SHA-256 of the hash chain, and building the rows. What was done to get here: events, entries
and lots go in with COPY (ids drawn from the sequences in one round trip each); the accounts are updated
by one UPDATE … FROM unnest(arrays) per batch; lookups send their keys as one array (`= ANY`), not a
thousand-parameter IN list; an award loads only the lots due to expire, not every open lot; the ledger
tables lost their redundant indexes (e.g. the pattern indexes of unique text columns) and the account
and lot tables leave room on each page for in-place updates."""

PEOPLE = 10_000
BATCH = 1_000


def load_people() -> None:
    from jifen.org import services
    from jifen.org.models import Person

    root = services.unit_create(name="总部")
    Person.objects.bulk_create(
        [Person(employee_no=f"B{i:06d}", name=f"员工{i}", org_unit=root) for i in range(PEOPLE)], batch_size=5000
    )


def intake(events: int) -> float:
    from jifen.rules.services import EventIn, record_events

    base = dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    for start in range(0, events, BATCH):
        batch = [
            EventIn(f"att-{i}", "attendance.present", f"B{i % PEOPLE:06d}", base + dt.timedelta(seconds=i * 20))
            for i in range(start, min(start + BATCH, events))
        ]
        record_events(events=batch, source="bench", now=now)
        done = start + len(batch)
        if done % 100_000 == 0:
            print(f"  intake: {done:,} events, {time.perf_counter() - started:.1f} s", flush=True)
    return time.perf_counter() - started


def raw_copy(rows: int) -> float:
    """COPY ``rows`` entry rows (valid accounts, unique seq, keys and hashes) into ledger_entry."""
    from django.db import connection

    from jifen.ledger.models import Account

    accounts = list(Account.objects.values_list("pk", "entry_count"))
    posted = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    records = []
    for i in range(rows):
        account_id, count = accounts[i % len(accounts)]
        seq = count + 1 + i // len(accounts)
        digest = hashlib.sha256(f"copy-{i}".encode()).hexdigest()
        records.append((account_id, seq, "award", 5, 5, f"copy-{i}", posted, posted, "", None, "copy", None, None,
                        None, "copy", None, "", digest))
    columns = ("account_id", "seq", "kind", "amount", "balance_after", "idempotency_key", "occurred_at",
               "posted_at", "credit_type", "rule_version_id", "rule_label", "source_type_id", "source_id",
               "actor_id", "reason", "reverses_id", "prev_hash", "hash")
    with connection.cursor() as cursor:
        raw_cursor = cursor.cursor
        started = time.perf_counter()
        with raw_cursor.copy(f"COPY ledger_entry ({', '.join(columns)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        return time.perf_counter() - started


def raw_other_writes(rows: int) -> dict[str, float]:
    """What else the intake must write for ``rows`` events, done bare: COPY the event rows, COPY one lot
    per entry COPYed by ``raw_copy``, and one UPDATE of the account rows per batch of 1,000. No rules,
    no hashing, no checks: the database's share of the intake's work."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    from jifen.ledger.models import Account
    from jifen.org.models import Person

    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    timings = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        events = [(f"copy-{i}", "attendance.present", people[i % len(people)], at, Jsonb({}), "posted", "copy", at)
                  for i in range(rows)]
        started = time.perf_counter()
        with raw.copy("COPY rules_event (key, type, person_id, occurred_at, data, status, source, recorded_at) "
                      "FROM STDIN") as copy:
            for record in events:
                copy.write_row(record)
        timings["events"] = time.perf_counter() - started
        raw.execute("SELECT id, account_id FROM ledger_entry WHERE rule_label = 'copy' ORDER BY id")
        lots = [(account_id, entry_id, 5, 5, at) for entry_id, account_id in raw.fetchall()]
        started = time.perf_counter()
        with raw.copy("COPY ledger_lot (account_id, entry_id, amount, remaining, expires_at) FROM STDIN") as copy:
            for record in lots:
                copy.write_row(record)
        timings["lots"] = time.perf_counter() - started
        accounts = list(Account.objects.values_list("pk", "balance", "entry_count", "last_hash"))
        started = time.perf_counter()
        for start in range(0, rows, BATCH):
            chunk = [accounts[i % len(accounts)] for i in range(start, min(start + BATCH, rows))]
            chunk = sorted({row[0]: row for row in chunk}.values())
            raw.execute(
                "UPDATE ledger_account SET balance = v.balance, entry_count = v.entry_count, last_hash = v.last_hash "
                "FROM unnest(%s::bigint[], %s::numeric[], %s::integer[], %s::varchar[]) "
                "AS v(id, balance, entry_count, last_hash) WHERE ledger_account.id = v.id",
                [list(column) for column in zip(*chunk, strict=True)],
            )
        timings["accounts"] = time.perf_counter() - started
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import os

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    setup_django(prepare_postgres(url, "zh", recreate=False))
    import django

    fresh_schema()
    load_people()
    print(f"intake of {args.events:,} events ({PEOPLE:,} people, batches of {BATCH:,}) …", flush=True)
    intake_s = intake(args.events)
    from jifen.ledger.models import Entry

    entries = Entry.objects.count()
    print(f"  {intake_s:.1f} s, {args.events / intake_s:,.0f} events/s, {entries:,} entries", flush=True)
    copy_s = raw_copy(args.events)
    print(f"raw COPY of {args.events:,} entry rows: {copy_s:.1f} s ({args.events / copy_s:,.0f} rows/s)")
    ratio = intake_s / copy_s
    print(f"ratio: {ratio:.1f}x (target at most 3x)")
    other = raw_other_writes(args.events)
    floor_s = copy_s + sum(other.values())
    print("the database's share, done bare: " + ", ".join(f"{k} {v:.1f} s" for k, v in other.items())
          + f"; with the entries {floor_s:.1f} s ({intake_s / floor_s:.1f}x of it is the intake)")
    if args.no_write:
        return
    key, db = database_label()
    m = machine()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "meets" if ratio <= 3 else "does NOT yet meet"
    section = "\n".join([
        f"<!-- bench:ledger_{key} -->",
        f"## Event intake vs raw COPY — {db}",
        "",
        f"Run {now} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run",
        "",
        "| what | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
        f"| batch intake (`record_events`, 1,000 a call) | {args.events:,} | {intake_s:.1f} | {args.events / intake_s:,.0f} |",
        f"| raw COPY into ledger_entry (baseline) | {args.events:,} | {copy_s:.1f} | {args.events / copy_s:,.0f} |",
        f"| raw COPY into rules_event | {args.events:,} | {other['events']:.1f} | {args.events / other['events']:,.0f} |",
        f"| raw COPY into ledger_lot | {args.events:,} | {other['lots']:.1f} | {args.events / other['lots']:,.0f} |",
        f"| one bare UPDATE of the accounts per 1,000 | {args.events:,} | {other['accounts']:.1f} | "
        f"{args.events / other['accounts']:,.0f} |",
        f"| all four bare writes together | {args.events:,} | {floor_s:.1f} | {args.events / floor_s:,.0f} |",
        "",
        f"Ratio intake / COPY: **{ratio:.1f}x** — {verdict} the target of at most 3x. Against all four bare "
        f"writes the intake must make for each event: {intake_s / floor_s:.1f}x.",
        "",
        NOTE,
        f"<!-- /bench:ledger_{key} -->",
    ])
    write_results(section)
    print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
