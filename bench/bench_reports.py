"""The monthly points report at 100,000 people and 10,000,000 ledger entries, beside the raw SQL it rests on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_reports.py

Uses the data bench_boards.py loads into the server's ``jifen_bench`` database (it loads them first when
they are not there: 100,000 people in 1,111 units, 10,000,000 points entries over this year up to now),
and adds 1,000,000 credit entries (ten per person) when there are none, so the credits column is read
too. Then, each in a fresh process so its peak memory is its own:

* Jifen: last month's report for the whole organisation, requested and built as the worker builds it
  (``jifen.reports.exports.services.report_build``): every person's opening balance, points earned,
  penalties, adjustments, spent, expired and closing, credits against the year's target; each department's
  totals and points by rule. Once as the Excel workbook, once as the PDF (departments and organisation).
* Baseline: the same figures by hand-written SQL read the same way (the balances, the points since the
  month began by account, the year's credits, the month's awards by unit and rule, the people in order),
  fetched into Python: what any report must read, with nothing written.

Target (issue 8): at most 15 s and 500 MB on PostgreSQL. The section in bench/RESULTS.md is replaced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_org import database_label, machine, prepare_postgres, raw, setup_django, write_results

CREDIT_ENTRIES_PER_PERSON = 10


def last_month() -> dt.date:
    from django.utils import timezone

    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def ensure_data(entries: int) -> dict:
    """The leaderboard bench's data, loaded when missing; credit entries added when there are none."""
    from django.db import connection

    from jifen.org.models import Person

    if "ledger_account" not in connection.introspection.table_names() \
            or raw("SELECT count(*) FROM ledger_account WHERE currency = 'points'", [])[0][0] == 0:
        print("no leaderboard data yet: loading it with bench_boards.py --load-only …", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("bench_boards.py")), "--load-only",  # noqa: S603
                        "--entries", str(entries)], check=True)
    if raw("SELECT count(*) FROM ledger_account WHERE currency = 'credits'", [])[0][0] == 0:
        print("adding credit entries …", flush=True)
        from django.utils import timezone

        now = timezone.now()
        year_start = timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        seconds = int((now - year_start).total_seconds()) - 60
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_account (person_id, currency, balance, entry_count, last_hash, "
                           "created_at) SELECT id, 'credits', 0, 0, '', now() FROM org_person ORDER BY id")
            cursor.execute("SELECT min(id), count(*) FROM ledger_account WHERE currency = 'credits'")
            first, accounts = cursor.fetchone()
            cursor.execute("""
                INSERT INTO ledger_entry (account_id, seq, kind, amount, balance_after, idempotency_key,
                                          occurred_at, posted_at, credit_type, rule_label, reason, prev_hash, hash)
                SELECT %(first)s + (i %% %(accounts)s), 1 + i / %(accounts)s, 'award',
                       1 + (hashint4(i) & 2147483647) %% 4, 0, 'bench-credit-' || i, t.at, t.at,
                       CASE WHEN i %% 3 = 0 THEN 'required' ELSE 'elective' END, 'bench', 'bench', '',
                       md5(i::text) || md5(i::text)
                FROM generate_series(0, %(entries)s - 1) AS i
                CROSS JOIN LATERAL (SELECT %(start)s::timestamptz
                                           + make_interval(secs => (hashint4(i + 7) & 2147483647) %% %(seconds)s)
                                           AS at) t
            """, {"first": first, "accounts": accounts, "entries": accounts * CREDIT_ENTRIES_PER_PERSON,
                  "start": year_start, "seconds": seconds})
            cursor.execute("VACUUM ANALYZE ledger_entry")
    if not raw("SELECT EXISTS (SELECT 1 FROM ledger_account WHERE balance <> 0)", [])[0][0]:
        # bench_boards.py leaves balances at zero (it reads standings only); the ledger keeps them equal to
        # the sum of the entries, as ``jifen verify`` checks, and the report relies on that.
        print("setting the balances to the sums of the entries …", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_account a SET balance = s.total, entry_count = s.n FROM "
                           "(SELECT account_id, sum(amount) AS total, count(*) AS n FROM ledger_entry "
                           "GROUP BY account_id) s WHERE s.account_id = a.id")
            cursor.execute("VACUUM ANALYZE ledger_account")
    return {
        "people": Person.objects.count(),
        "units": raw("SELECT count(*) FROM org_orgunit", [])[0][0],
        "points_entries": raw("SELECT count(*) FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id "
                              "WHERE a.currency = 'points'", [])[0][0],
        "credit_entries": raw("SELECT count(*) FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id "
                              "WHERE a.currency = 'credits'", [])[0][0],
    }


# ---------------------------------------------------------------- one measured run (a child process)


def child(kind: str) -> None:
    """Build one report the way the worker does; print seconds, peak memory and the file's size as JSON."""
    from jifen.notify.models import JobRun
    from jifen.reports.exports import services
    from jifen.reports.exports.models import ReportFile

    month = last_month()
    report = ReportFile.objects.create(kind=kind, period=month, scope_unit=None, created_at=dt.datetime.now(dt.UTC))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    run = services.report_build(report_id=report.pk)
    seconds = time.perf_counter() - started
    report.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "before_mb": before / 1024,
                      "size": report.size, "people": run.total if run else None,
                      "status": JobRun.objects.get(pk=run.pk).status if run else None}))


def baseline() -> dict:
    """The same figures by hand-written SQL, the same way (the balance less everything since the month
    began; the year's credits; the month's awards by unit and rule; the people in order), fetched."""
    from jifen.ledger.selectors import year_bounds
    from jifen.reports.exports.selectors import month_bounds

    start, end = month_bounds(last_month())
    year_start = year_bounds(start.year)[0]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    accounts = raw("SELECT id, person_id, currency, balance FROM ledger_account", [])
    since = raw("""
        SELECT account_id, sum(amount),
               sum(amount) FILTER (WHERE occurred_at < %(end)s AND kind = 'award'),
               sum(amount) FILTER (WHERE occurred_at < %(end)s AND kind = 'penalty'),
               sum(amount) FILTER (WHERE occurred_at < %(end)s AND kind IN ('adjustment', 'reversal')),
               sum(amount) FILTER (WHERE occurred_at < %(end)s AND kind IN ('spend', 'refund')),
               sum(amount) FILTER (WHERE occurred_at < %(end)s AND kind = 'expiry')
        FROM ledger_entry WHERE occurred_at >= %(start)s GROUP BY account_id
    """, {"start": start, "end": end})
    credits = raw("""
        SELECT a.person_id, sum(e.amount) FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE a.currency = 'credits' AND e.occurred_at >= %(year)s AND e.occurred_at < %(end)s GROUP BY a.person_id
    """, {"year": year_start, "end": end})
    rules = raw("""
        SELECT p.org_unit_id, e.rule_label, sum(e.amount) FROM ledger_entry e
        JOIN ledger_account a ON a.id = e.account_id JOIN org_person p ON p.id = a.person_id
        WHERE a.currency = 'points' AND e.kind = 'award' AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
        GROUP BY p.org_unit_id, e.rule_label
    """, {"start": start, "end": end})
    people = raw("SELECT p.id, p.employee_no, p.name, p.status, u.path, u.name_path, pos.name, "
                 "pos.annual_credit_target, p.hire_date FROM org_person p JOIN org_orgunit u ON u.id = p.org_unit_id "
                 "LEFT JOIN org_position pos ON pos.id = p.position_id ORDER BY u.path, p.employee_no, p.id", [])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": peak / 1024, "before_mb": before / 1024,
            "rows": len(accounts) + len(since) + len(credits) + len(rules) + len(people)}


def measure(what: str, url: str) -> dict:
    """Run ``what`` in a fresh interpreter (its own peak memory) and read its JSON line."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, __file__, "--child", what], env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode:
        sys.exit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000_000, help="points entries, when loading afresh")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best time and the worst memory")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("the monthly report bench runs on PostgreSQL")
    if args.child:
        setup_django(url)
        if args.child == "baseline":
            print(json.dumps(baseline()))
        else:
            child(args.child)
        return
    bench_url = prepare_postgres(url, "zh", recreate=False)
    setup_django(bench_url)
    import django

    from jifen.reports.exports.models import ReportKind
    from jifen.reports.exports.selectors import month_bounds

    data = ensure_data(args.entries)
    month = last_month()
    month_entries = raw("SELECT count(*) FROM ledger_entry WHERE occurred_at >= %s AND occurred_at < %s",
                        list(month_bounds(month)))[0][0]
    results = {}
    for what in ("baseline", ReportKind.MONTHLY_XLSX, ReportKind.MONTHLY_PDF):
        runs = []
        for i in range(args.repeat):
            print(f"  {what} run {i + 1} …", flush=True)
            runs.append(measure(str(what), bench_url))
            print(f"    {runs[-1]}", flush=True)
        results[str(what)] = {"seconds": min(r["seconds"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs),
                              "before_mb": max(r["before_mb"] for r in runs), "size": runs[-1].get("size")}
    key, db = database_label()
    m = machine()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    base = results["baseline"]
    xlsx, pdf = results[ReportKind.MONTHLY_XLSX], results[ReportKind.MONTHLY_PDF]

    def verdict(r):
        ok = r["seconds"] <= 15 and r["peak_mb"] <= 500
        return "meets" if ok else "does NOT meet"

    lines = [
        f"<!-- bench:reports_{key} -->",
        f"## Monthly points report — {db}",
        "",
        f"Run {stamp} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run",
        "",
        f"{data['people']:,} people in {data['units']:,} units; {data['points_entries']:,} points entries over this "
        f"year ({month_entries:,} of all entries in {month:%Y-%m}, the month reported) and "
        f"{data['credit_entries']:,} credit entries. The whole organisation's report for {month:%Y-%m}, built as "
        f"the worker builds it, each in a fresh process; best time and highest peak of {args.repeat} runs. Peak "
        "memory is the whole process's (Python, Django and the app loaded: the first column).",
        "",
        "| what | seconds | peak memory | of which before the work | file | ratio to baseline |",
        "|---|---:|---:|---:|---:|---:|",
        f"| baseline: the same figures by hand-written SQL, fetched | {base['seconds']:.1f} | "
        f"{base['peak_mb']:.0f} MB | {base['before_mb']:.0f} MB | — | 1.00× |",
        f"| Jifen: the Excel workbook (people, departments, points by rule) | {xlsx['seconds']:.1f} | "
        f"{xlsx['peak_mb']:.0f} MB | {xlsx['before_mb']:.0f} MB | {xlsx['size'] / 1e6:.1f} MB | "
        f"{xlsx['seconds'] / base['seconds']:.2f}× |",
        f"| Jifen: the PDF (organisation and every department) | {pdf['seconds']:.1f} | {pdf['peak_mb']:.0f} MB | "
        f"{pdf['before_mb']:.0f} MB | {pdf['size'] / 1e6:.1f} MB | {pdf['seconds'] / base['seconds']:.2f}× |",
        "",
        f"Target: at most 15 s and 500 MB. Excel {verdict(xlsx)} it; PDF {verdict(pdf)} it.",
        "",
        "The report reads people in chunks of 2,000 (four grouped queries a chunk, whatever the entries), streams "
        "people rows into a write-only workbook on disk, and keeps only the running totals per unit in memory; "
        "the job records its progress after each chunk, which is what the page's progress bar shows.",
        f"<!-- /bench:reports_{key} -->",
    ]
    section = "\n".join(lines)
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
