"""Bulk imports at 100,000 rows: the dry run and the all-or-nothing commit, their speed and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_imports.py
    .venv/bin/python bench/bench_imports.py            # a throw-away SQLite file

The server in DATABASE_URL gets (or keeps) a database named ``jifen_bench_imports`` (not bench_org's
``jifen_bench``, whose ledger the other benches reuse); its tables are dropped and migrated afresh, then
100,000 people are bulk-loaded into 100 teams. The file is a contributions list (employee number, 授课,
a title, a date: one row per person), as .csv and as .xlsx. Each step runs in a fresh process so its
peak memory (``ru_maxrss``, the Django process included) is its own:

* dry run of the .xlsx (openpyxl read-only) and of the .csv;
* commit of the .csv: 100,000 events through the rules intake and 100,000 ledger entries, in one
  transaction;
* commit of the same file again: every row already imported, nothing written.

Target (issue 9): 100,000 rows within 300 MB. The section in bench/RESULTS.md is replaced.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_org import fresh_schema, setup_django, write_results

BENCH_DB = "jifen_bench_imports"
TEAMS = 100
TARGET_MB = 300


def prepare_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def load(rows: int) -> None:
    from django.db import transaction

    from jifen.org import services
    from jifen.org.models import OrgUnit, Person

    with transaction.atomic():
        root = services.unit_create(name="总部", kind=OrgUnit.Kind.COMPANY)
        teams = [services.unit_create(name=f"组{t:03d}", parent=root, kind=OrgUnit.Kind.TEAM) for t in range(TEAMS)]
        Person.objects.bulk_create(
            (Person(employee_no=f"E{n:06d}", name=f"员工{n}", org_unit=teams[n % TEAMS]) for n in range(rows)),
            batch_size=5000,
        )


def write_files(rows: int, folder: Path) -> dict[str, Path]:
    import csv

    from openpyxl import Workbook

    header = ["工号", "类型", "标题", "日期"]
    body = [[f"E{n:06d}", "授课", f"新员工培训第{n % 50}期", "2026-03-01"] for n in range(rows)]
    csv_path = folder / "contributions.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body)
    xlsx_path = folder / "contributions.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("知识贡献")
    sheet.append(header)
    for row in body:
        sheet.append(row)
    book.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def child(step: str, path: str) -> None:
    """One measured step, in this fresh process: prints a JSON line."""
    setup_django(os.environ.get("DATABASE_URL") or None)
    from jifen.imports.kinds import KINDS, Context

    kind = KINDS["contributions"]
    data = Path(path).read_bytes()
    started = time.perf_counter()
    table = kind.read(data, Path(path).name)
    read_s = time.perf_counter() - started
    plan = kind.check(table, Context()) if step == "check" else kind.commit(table, Context())
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": plan.rows, "new": plan.new, "unchanged": plan.unchanged, "errors": len(plan.errors),
                      "read_s": read_s, "seconds": seconds, "peak_mb": peak_mb}))


def measure(step: str, path: Path) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", step, str(path)], check=True, capture_output=True,  # noqa: S603
                            text=True, env=os.environ.copy()).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = prepare_postgres(url)
        vendor = "postgresql"
    elif not url:
        os.environ["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix="jifen-bench-")
        vendor = "sqlite"
    else:
        sys.exit("DATABASE_URL must be PostgreSQL (or unset, for SQLite)")
    os.environ["IMPORT_MAX_MB"] = "200"
    setup_django(os.environ.get("DATABASE_URL") or None)
    print("fresh schema …", flush=True)
    fresh_schema()
    from django.db import connection

    connection.close()
    print(f"loading {args.rows:,} people …", flush=True)
    load(args.rows)
    connection.close()
    folder = Path(tempfile.mkdtemp(prefix="jifen-bench-imports-"))
    files = write_files(args.rows, folder)
    sizes = {fmt: path.stat().st_size / 1024 / 1024 for fmt, path in files.items()}
    results = []
    for label, step, fmt in [("dry run, .xlsx", "check", "xlsx"), ("dry run, .csv", "check", "csv"),
                             ("commit, .csv", "commit", "csv"), ("commit again (all already imported)", "commit", "csv")]:
        print(f"{label} …", flush=True)
        found = measure(step, files[fmt])
        results.append((label, fmt, found))
        print(f"  {found['seconds']:.1f} s, {found['rows'] / found['seconds']:,.0f} rows/s, "
              f"peak {found['peak_mb']:.0f} MB, new {found['new']:,}, already {found['unchanged']:,}", flush=True)

    lines = [
        f"<!-- bench:imports_{vendor} -->",
        f"## Bulk imports, {vendor} ({args.rows:,} rows)",
        "",
        f"Written by `bench/bench_imports.py` on {platform.python_implementation()} {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. A contributions file of {args.rows:,} rows (.csv {sizes['csv']:.1f} MB, "
        f".xlsx {sizes['xlsx']:.1f} MB); each step in a fresh process, peak RSS including Django itself. "
        f"Target: {TARGET_MB} MB.",
        "",
        "| step | file | reading s | total s | rows/s | peak MB | added | already there |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, fmt, found in results:
        lines.append(f"| {label} | .{fmt} | {found['read_s']:.1f} | {found['seconds']:.1f} | "
                     f"{found['rows'] / found['seconds']:,.0f} | {found['peak_mb']:.0f} | {found['new']:,} | "
                     f"{found['unchanged']:,} |")
    worst = max(found["peak_mb"] for _l, _f, found in results)
    lines += ["", f"Highest peak: {worst:.0f} MB ({'within' if worst <= TARGET_MB else 'over'} the target).",
              f"<!-- /bench:imports_{vendor} -->"]
    section = "\n".join(lines)
    print()
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
