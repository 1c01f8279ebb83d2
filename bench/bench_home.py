"""The learner's home page at 100,000 people and 10,000,000 ledger entries: its queries and its time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_home.py

Uses the data bench_reports.py leaves in the server's ``jifen_bench`` database (points entries over this
year, credit entries, balances and standings; loaded first when missing). A login is made for each of the
learners measured. Measured, each run as a different learner, through Django's test client (the whole
request: middleware, session, permissions, the panels and the template; no network):

* Jifen: ``GET /`` — the learner's home: balance, credits ring, 12-month trend, points expiring, next
  required courses, rank and level, new badges, unread notifications.
* Baseline: ``GET /healthz`` through the same client (what any request costs here), and the raw SQL of the
  figures the page shows (balance, year's credits, this month's rank by count).

Targets (issue 10): at most 12 queries and p95 at most 80 ms. The section in bench/RESULTS.md is replaced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_org import database_label, machine, pct, prepare_postgres, raw, setup_django, write_results


def timed(fn, items: list, repeat: int, warmup: int = 10) -> list[float]:
    for i in range(warmup):
        fn(items[i % len(items)])
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(items[i % len(items)])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("the home page bench runs on PostgreSQL")
    bench_url = prepare_postgres(url, "zh", recreate=False)
    setup_django(bench_url)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    # no collectstatic for a bench: plain static URLs (what the manifest adds is a hash in the name)
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "ledger_account" not in connection.introspection.table_names() or not raw(
            "SELECT EXISTS (SELECT 1 FROM ledger_account WHERE currency = 'credits')", [])[0][0]:
        print("no report data yet: loading it with bench_reports.py …", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("bench_reports.py")), "--no-write"],  # noqa: S603
                       check=True)
    from jifen.org import services
    from jifen.org.models import Person

    active = list(Person.objects.exclude(status=Person.Status.LEFT).order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(11).sample(active, min(len(active), args.repeat + 10))  # noqa: S311 - picking viewers
    users = []
    for person in Person.objects.filter(pk__in=chosen).select_related("user"):
        users.append(services.person_ensure_login(person=person))
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    month_start = timezone.localdate().replace(day=1)
    year_start = timezone.localtime().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    people = {user: person for person, user in Person.objects.filter(pk__in=chosen).values_list("pk", "user_id")}

    def home(client):
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    def health(client):
        client.get("/healthz")

    def raw_figures(client):
        person = people[int(client.session["_auth_user_id"])]
        raw("SELECT balance FROM ledger_account WHERE person_id = %s AND currency = 'points'", [person])
        raw("SELECT sum(e.amount) FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id "
            "WHERE a.person_id = %s AND a.currency = 'credits' AND e.occurred_at >= %s", [person, year_start])
        raw("SELECT count(*) + 1 FROM ledger_standing WHERE period = 'month' AND start = %s AND active AND points > "
            "(SELECT points FROM ledger_standing WHERE period = 'month' AND start = %s AND person_id = %s)",
            [month_start, month_start, person])

    clients[0].get("/")  # settings rows made on first use
    counts = []
    for client in clients[:20]:
        with CaptureQueriesContext(connection) as captured:
            home(client)
        counts.append(len(captured))
    print(f"  queries per home page: {sorted(set(counts))}", flush=True)
    print("  home …", flush=True)
    page = timed(home, clients, args.repeat)
    print("  health …", flush=True)
    bare = timed(health, clients, args.repeat)
    print("  raw figures …", flush=True)
    figures = timed(raw_figures, clients, args.repeat)
    key, db = database_label()
    m = machine()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    people_count = Person.objects.count()
    entries = raw("SELECT reltuples::bigint FROM pg_class WHERE relname = 'ledger_entry'", [])[0][0]
    worst = max(counts)
    p95 = pct(page, 0.95)
    lines = [
        f"<!-- bench:home_{key} -->",
        f"## The learner's home page — {db}",
        "",
        f"Run {stamp} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run",
        "",
        f"{people_count:,} people; about {entries:,} ledger entries. {args.repeat} requests each after 10 "
        "warm-ups, each as a different learner, through Django's test client (middleware, session, "
        "permissions, panels, template; no network). Times in ms.",
        "",
        "| request | p50 | p95 | queries |",
        "|---|---:|---:|---:|",
        f"| Jifen: `GET /`, the learner's home | {pct(page, 0.5):.1f} | {p95:.1f} | {worst} |",
        f"| baseline: `GET /healthz` through the same client | {pct(bare, 0.5):.1f} | {pct(bare, 0.95):.1f} | — |",
        f"| baseline: raw SQL of balance, year's credits and rank | {pct(figures, 0.5):.1f} | "
        f"{pct(figures, 0.95):.1f} | 3 |",
        "",
        f"Targets: at most 12 queries — {'met' if worst <= 12 else 'NOT met'} ({worst}, the same for every "
        f"learner: {sorted(set(counts))}); p95 at most 80 ms — {'met' if p95 <= 80 else 'NOT met'} "
        f"({p95:.1f} ms, {pct(page, 0.5) / pct(bare, 0.5):.1f}× a bare request at p50).",
        f"<!-- /bench:home_{key} -->",
    ]
    section = "\n".join(lines)
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
