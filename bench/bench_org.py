"""How fast the organisation reads are at 100,000 people, beside hand-written SQL doing the same.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_org.py

The server in DATABASE_URL gets (or keeps) a database named ``jifen_bench``; its tables are
dropped and migrated afresh, then 100,000 people are bulk-loaded across ~1,100 units (总部 →
10 divisions → 10 centres each → 10 teams each, 100 people a team, so a division holds 10,000).
A new jifen_bench is made with a Chinese ICU collation (``--collation zh``), as a Chinese
company's server would have: under a non-C collation a plain btree index cannot serve
``LIKE 'prefix%'``, which is exactly what the subtree queries do.

Measured (p50 / p95 over ``--repeat`` runs, after a warm-up), each beside the raw SQL a person
would write by hand, on the same connection in the same run:

* the head count of one division's whole subtree (10,000 people);
* a manager's first people-list page (the selector the page uses, sliced to 25 rows);
* one person's detail (the selector the person page uses, scope check included).

The numbers go to stdout and replace this database's section of bench/RESULTS.md.
Without DATABASE_URL it runs on a throw-away SQLite file instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BENCH_DB = "jifen_bench"

DIVISIONS, CENTRES, TEAMS = 10, 10, 10


# ---------------------------------------------------------------- the database


def prepare_postgres(url: str, collation: str, recreate: bool) -> str:
    """Make sure jifen_bench exists on the server in ``url``; answer its URL."""
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and recreate:
            conn.execute(f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
            exists = None
        if not exists:
            icu = conn.execute("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1").fetchone()
            if collation != "default" and collation != "C" and icu:
                conn.execute(
                    f"CREATE DATABASE {BENCH_DB} TEMPLATE template0 ENCODING 'UTF8' "
                    f"LOCALE_PROVIDER icu ICU_LOCALE '{collation}' LOCALE 'C.UTF-8'"
                )
            elif collation == "C":
                conn.execute(f"CREATE DATABASE {BENCH_DB} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
            else:
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("JIFEN_DATA_DIR", tempfile.mkdtemp(prefix="jifen-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_schema() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0, interactive=False)


# ---------------------------------------------------------------- the organisation


def load(people_per_team: int) -> dict:
    from django.db import connection, transaction

    from jifen.org import services
    from jifen.org.models import OrgUnit, Person, Role

    started = time.perf_counter()
    positions = [
        services.position_create(name=name, code=code, annual_credit_target=target)
        for name, code, target in [("软件工程师", "SE", 150), ("测试工程师", "QA", 150), ("产品经理", "PM", 140),
                                   ("销售代表", "SALES", 100), ("团队主管", "LEAD", 130)]
    ]
    with transaction.atomic():
        root = services.unit_create(name="总部", kind=OrgUnit.Kind.COMPANY)
        divisions, teams = [], []
        for d in range(1, DIVISIONS + 1):
            division = services.unit_create(name=f"事业部{d:02d}", parent=root)
            divisions.append(division)
            for c in range(1, CENTRES + 1):
                centre = services.unit_create(name=f"中心{c:02d}", parent=division)
                for t in range(1, TEAMS + 1):
                    teams.append(services.unit_create(name=f"组{t:02d}", parent=centre, kind=OrgUnit.Kind.TEAM))
    units_done = time.perf_counter()

    rng = random.Random(42)  # noqa: S311 - test data
    statuses = [Person.Status.ACTIVE] * 95 + [Person.Status.ON_LEAVE] * 2 + [Person.Status.LEFT] * 3
    numbers = list(range(1, len(teams) * people_per_team + 1))
    rng.shuffle(numbers)  # numbers do not follow the tree, as in a real roster
    batch: list[Person] = []
    n = 0
    for team in teams:
        for _ in range(people_per_team):
            no = numbers[n]
            n += 1
            batch.append(Person(
                employee_no=f"E{no:07d}", name=f"员工{no}", org_unit_id=team.pk, position=rng.choice(positions),
                status=rng.choice(statuses), email=f"e{no}@bench.example", hire_date=dt.date(2020, 1, 1),
            ))
            if len(batch) == 5000:
                Person.objects.bulk_create(batch)
                batch = []
    Person.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        # Everyone in a team reports to the team's first person.
        cursor.execute(
            "UPDATE org_person SET manager_id = lead.id FROM "
            "(SELECT org_unit_id, MIN(id) AS id FROM org_person GROUP BY org_unit_id) AS lead "
            "WHERE org_person.org_unit_id = lead.org_unit_id AND org_person.id <> lead.id"
        )
        cursor.execute("ANALYZE")
    people_done = time.perf_counter()

    division = divisions[0]
    head = Person.objects.filter(org_unit__path__startswith=division.path).order_by("id").first()
    services.role_grant(user=services.person_ensure_login(person=head), role=Role.MANAGER, scope=division)
    return {
        "division": division, "manager": head, "units": OrgUnit.objects.count(), "people": Person.objects.count(),
        "load_units_s": units_done - started, "load_people_s": people_done - units_done,
    }


# ---------------------------------------------------------------- measuring


def timed(fn: Callable[[int], object], repeat: int, warmup: int = 10) -> list[float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def raw(sql: str, params: list) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def run(repeat: int, org: dict) -> tuple[list[dict], dict]:
    from jifen.org import selectors
    from jifen.org.models import Person
    from jifen.org.permissions import access_for_user

    division, manager = org["division"], org["manager"]
    prefix = division.path + "%"
    access = access_for_user(manager.user)
    pks = list(Person.objects.filter(org_unit__path__startswith=division.path).values_list("pk", flat=True))
    random.Random(7).shuffle(pks)  # noqa: S311

    count_sql = (
        "SELECT COUNT(*) FROM org_person p JOIN org_orgunit u ON u.id = p.org_unit_id "
        "WHERE u.path LIKE %s AND p.status <> 'left'"
    )
    page_sql = (
        "SELECT p.id, p.employee_no, p.name, p.status, u.name_path, pos.name, m.name "
        "FROM org_person p JOIN org_orgunit u ON u.id = p.org_unit_id "
        "LEFT JOIN org_position pos ON pos.id = p.position_id LEFT JOIN org_person m ON m.id = p.manager_id "
        "WHERE p.id = %s OR u.path LIKE %s ORDER BY p.employee_no LIMIT 25"
    )
    detail_sql = (
        "SELECT p.id, p.employee_no, p.name, p.email, p.phone, p.status, p.hire_date, u.name_path, pos.name, "
        "pos.annual_credit_target, m.name, m.employee_no, usr.username "
        "FROM org_person p JOIN org_orgunit u ON u.id = p.org_unit_id "
        "LEFT JOIN org_position pos ON pos.id = p.position_id LEFT JOIN org_person m ON m.id = p.manager_id "
        "LEFT JOIN accounts_user usr ON usr.id = p.user_id "
        "WHERE p.id = %s AND (p.id = %s OR u.path LIKE %s)"
    )

    # Same answers first: a fast wrong query is no use.
    head_count = selectors.unit_subtree_head_count(division)
    assert head_count == raw(count_sql, [prefix])[0][0]
    first_page = [p.pk for p in selectors.person_list(access=access)[:25]]
    assert first_page == [row[0] for row in raw(page_sql, [manager.pk, prefix])]
    assert selectors.person_detail(access=access, pk=pks[0]).pk == raw(detail_sql, [pks[0], manager.pk, prefix])[0][0]

    def page_orm(i):
        rows = list(selectors.person_list(access=access)[:25])
        return [(p.org_unit.name_path, p.position and p.position.name, p.manager and p.manager.name) for p in rows]

    def detail_orm(i):
        person = selectors.person_detail(access=access, pk=pks[i % len(pks)])
        return person.org_unit.name_path, person.position.name, person.manager and person.manager.name

    cases = [
        (f"subtree head count ({head_count:,} people)",
         lambda i: selectors.unit_subtree_head_count(division), lambda i: raw(count_sql, [prefix])),
        ("manager's first people-list page (25 rows)",
         page_orm, lambda i: raw(page_sql, [manager.pk, prefix])),
        ("person detail (scope-checked)",
         detail_orm, lambda i: raw(detail_sql, [pks[i % len(pks)], manager.pk, prefix])),
    ]
    rows = []
    for label, orm, baseline in cases:
        orm_ms, raw_ms = timed(orm, repeat), timed(baseline, repeat)
        rows.append({
            "label": label, "orm_p50": pct(orm_ms, 0.5), "orm_p95": pct(orm_ms, 0.95),
            "raw_p50": pct(raw_ms, 0.5), "raw_p95": pct(raw_ms, 0.95),
            "orm_mean": statistics.fmean(orm_ms),
        })
    return rows, {"count_sql": count_sql, "prefix": prefix, "head_count": head_count}


def explain(count_sql: str, prefix: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + count_sql, [prefix])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + count_sql, [prefix])
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


# ---------------------------------------------------------------- reporting


def machine() -> dict:
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        match = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        ram = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else ram
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        load = "unknown"
    return {"nproc": os.cpu_count(), "ram": ram, "cpu": cpu, "load": load}


def database_label() -> tuple[str, str]:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = raw("SHOW server_version", [])[0][0]
        row = raw("SELECT datcollate, datlocprovider, daticulocale FROM pg_database WHERE datname = current_database()", [])[0]
        collation = f"ICU {row[2]}" if row[1] == "i" else row[0]
        return "postgresql", f"PostgreSQL {version}, database collation {collation}"
    import sqlite3

    return "sqlite", f"SQLite {sqlite3.sqlite_version}"


def report(rows: list[dict], org: dict, plan: str, repeat: int) -> str:
    import django

    key, db = database_label()
    m = machine()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"<!-- bench:{key} -->",
        f"## {db}",
        "",
        f"Run {now} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run",
        "",
        f"{org['people']:,} people in {org['units']:,} units (loaded in {org['load_units_s']:.1f} s for units, "
        f"{org['load_people_s']:.1f} s for people). {repeat} runs each after 10 warm-ups; times in ms.",
        "",
        "| query | Jifen p50 | Jifen p95 | raw SQL p50 | raw SQL p95 | p50 ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["orm_p50"] / r["raw_p50"] if r["raw_p50"] else float("nan")
        lines.append(f"| {r['label']} | {r['orm_p50']:.2f} | {r['orm_p95']:.2f} | {r['raw_p50']:.2f} | "
                     f"{r['raw_p95']:.2f} | {ratio:.2f}× |")
    lines += ["", "Plan of the raw subtree head count:", "", "```", plan, "```", f"<!-- /bench:{key} -->"]
    return "\n".join(lines)


def write_results(section: str) -> None:
    key = re.match(r"<!-- bench:(\w+) -->", section).group(1)
    header = ("# Organisation benchmark\n\nWritten by `bench/bench_org.py`; each database's section is replaced "
              "by its latest run.\n")
    text = RESULTS.read_text() if RESULTS.exists() else header
    pattern = re.compile(rf"<!-- bench:{key} -->.*?<!-- /bench:{key} -->", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text if text.endswith("\n") else text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people-per-team", type=int, default=100, help="100 → 100,000 people in 1,000 teams")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--collation", default="zh",
                        help="ICU locale for a newly made jifen_bench ('C' or 'default' for others)")
    parser.add_argument("--recreate-database", action="store_true",
                        help="drop jifen_bench itself first (to change its collation)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        setup_django(prepare_postgres(url, args.collation, args.recreate_database))
    elif not url:
        os.environ["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix="jifen-bench-")
        setup_django(None)
    else:
        sys.exit("DATABASE_URL must be PostgreSQL (or unset, for SQLite)")

    print("fresh schema …", flush=True)
    fresh_schema()
    print("loading …", flush=True)
    org = load(args.people_per_team)
    print(f"  {org['people']:,} people, {org['units']:,} units "
          f"({org['load_units_s']:.1f} s + {org['load_people_s']:.1f} s)", flush=True)
    rows, extra = run(args.repeat, org)
    plan = explain(extra["count_sql"], extra["prefix"])
    section = report(rows, org, plan, args.repeat)
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
