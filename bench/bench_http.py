"""Single events over HTTP against a bare JSON view: ``POST /api/v1/events`` beside a Django view that
does nothing, both served by the same gunicorn with several workers, both driven by ``wrk``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_http.py

Uses the server's ``jifen_bench`` database (``--database`` for another; its schema is dropped and
migrated afresh) with 10,000 people and a training admin's bearer token (write scope). gunicorn
(``--workers``, sync workers, 127.0.0.1) serves Jifen's own settings and URLs plus one bench-only view
(``bench/bench_http_site.py``: ``POST /bench/bare`` answers ``{"results": []}`` and reads nothing).
``wrk`` (Debian package ``wrk``) posts for ``--seconds`` each: to the bare view the same body every
time; to the API one event per request, each with a key of its own (``bench/bench_http.lua``), for a
person in turn, as an LMS sends attendance one by one. Afterwards: every accepted event is in the
ledger once (one event row and one entry per key; none twice) and ``jifen verify`` passes.

Prints both throughputs and the ratio, and replaces this section of bench/RESULTS.md.
Target (issue: ledger): the API at least 0.5x the bare view's requests per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_org
from bench_org import database_label, fresh_schema, machine, prepare_postgres, setup_django, write_results

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEOPLE = 10_000
LUA = BENCH / "bench_http.lua"
WRK = shutil.which("wrk") or "wrk"

NOTE = """What each request does. The bare view goes through gunicorn and Django's whole middleware stack
(sessions, CSRF, authentication, audit, language, the API's, CSP, axes) and answers a constant: it
touches no database. Each API request also finds the bearer token (one indexed read, its last use
written at most once a minute), checks the token's scope and the caller's permission and scope over
people, validates the body with the schema, and records the event as the batch intake does, in one
transaction: the person and duplicate-key lookups, the rules in force, the account locked, the event,
the entry (hash-chained), the lot, the account's balance and chain head and the four standings written,
then committed (one WAL flush per request, as a ledger must). The per-token rate limit is switched off
for the bench (one token sends everything). Both are measured by the same wrk, connections and
workers, one after the other in the same run.

Why it is far from the target. The bare view makes no database round trip; an event makes about 17
(three for the token, the caller's roles and person; the rules in force and the currency settings; the
person, the event key and the entry key looked up; the account read, then locked with its due lots; the
event, entry and lot inserted; the account and the standings updated) plus the commit's WAL flush. In
the profile of one request during this run each round trip took about 10 ms, because the database
server shared the 2 CPUs with everything else running; that, not Python, is most of the 1.2 s at p50.
Not done yet, and worth doing before measuring again on a quiet machine: cache the rules in force and
the currency settings (two round trips), read and lock the account in one statement (one more)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare() -> str:
    """People, a training admin over all of them, and a write token: answer the token."""
    from jifen.api.tokens import token_create
    from jifen.ledger.services import ensure_currency_settings
    from jifen.org import services
    from jifen.org.models import Person, Role

    ensure_currency_settings()  # the default rules come with the migrations
    root = services.unit_create(name="总部")
    Person.objects.bulk_create(
        [Person(employee_no=f"H{i:06d}", name=f"员工{i}", org_unit=root) for i in range(PEOPLE)], batch_size=5000
    )
    admin = services.person_create(employee_no="ADMIN", name="培训管理员", org_unit=root, password="bench-only-1")  # noqa: S106
    services.role_grant(user=admin.user, role=Role.TRAINING_ADMIN, scope=root)
    _token, raw = token_create(user=admin.user, name="bench", scope="write")
    return raw


def start_server(port: int, workers: int, database_url: str, data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench_http_site",
           "JIFEN_DATA_DIR": data_dir, "PYTHONPATH": f"{BENCH}{os.pathsep}{ROOT}",
           "PYTHONWARNINGS": "ignore::UserWarning"}  # whitenoise: no collected static files, none needed
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "jifen.wsgi:application"],
        env=env, cwd=ROOT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/bench/bare", data=b"{}", method="POST")
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def run_wrk(url: str, *, seconds: int, connections: int, threads: int, env: dict) -> dict:
    command = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(LUA), url]
    output = subprocess.run(  # noqa: S603 - our own command line
        command, env={**os.environ, **env}, capture_output=True, text=True, check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    latency = {p: re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1) for p in ("50", "99")}
    accepted = re.search(r"accepted (\d+)", output)
    return {"requests": requests, "rate": rate, "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else "", "p50": latency["50"],
            "p99": latency["99"], "accepted": int(accepted.group(1)) if accepted else None, "raw": output}


def check_ledger(accepted: int, connections: int) -> list[str]:
    """Every accepted event once in the ledger: an event row and one entry per key, nothing twice."""
    from django.db.models import Count

    from jifen.ledger.models import Entry
    from jifen.rules.models import Event

    problems = []
    events = Event.objects.filter(key__startswith="http-").count()
    # wrk stops counting at the deadline; requests already sent then may still be recorded.
    if not accepted <= events <= accepted + connections:
        problems.append(f"{accepted:,} events accepted by the API, {events:,} recorded")
    entries = Entry.objects.filter(idempotency_key__startswith="http-").count()
    if entries != events:
        problems.append(f"{events:,} events but {entries:,} entries")
    twice = (Entry.objects.filter(idempotency_key__startswith="http-").values("source_id")
             .annotate(n=Count("id")).filter(n__gt=1).count())
    if twice:
        problems.append(f"{twice:,} events posted more than once")
    return problems


def verify() -> bool:
    from django.core.management import CommandError, call_command

    try:
        call_command("verify", stdout=sys.stdout, stderr=sys.stderr)
        return True
    except CommandError as error:
        print(error, file=sys.stderr)
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="jifen_bench", help="database on the server (made when missing)")
    workers = 2 * (os.cpu_count() or 1) + 1  # gunicorn's own advice
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--connections", type=int, default=2 * workers)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not Path(WRK).is_absolute():
        raise SystemExit("wrk is missing: apt-get install wrk")
    bench_org.BENCH_DB = args.database
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_url = prepare_postgres(url, "zh", recreate=False)
    setup_django(database_url)
    import django
    from django.db import connection

    fresh_schema()
    token = prepare()
    connection.close()
    port = free_port()
    server = start_server(port, args.workers, database_url, os.environ["JIFEN_DATA_DIR"])
    try:
        base = f"http://127.0.0.1:{port}"
        common = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}
        run_wrk(f"{base}/bench/bare", **{**common, "seconds": 3}, env={"BENCH_MODE": "bare"})  # warm-up
        run_wrk(f"{base}/api/v1/events", **{**common, "seconds": 3},
                env={"BENCH_MODE": "warm", "BENCH_TOKEN": token, "BENCH_PEOPLE": str(PEOPLE)})
        bare = run_wrk(f"{base}/bench/bare", **common, env={"BENCH_MODE": "bare"})
        print(f"bare JSON view: {bare['rate']:,.0f} requests/s ({bare['requests']:,} in {args.seconds} s, "
              f"p50 {bare['p50']}, p99 {bare['p99']}, non-2xx {bare['non2xx']})", flush=True)
        api = run_wrk(f"{base}/api/v1/events", **common,
                      env={"BENCH_MODE": "events", "BENCH_TOKEN": token, "BENCH_PEOPLE": str(PEOPLE)})
        print(f"POST /api/v1/events: {api['rate']:,.0f} requests/s ({api['requests']:,} in {args.seconds} s, "
              f"p50 {api['p50']}, p99 {api['p99']}, non-2xx {api['non2xx']}, accepted {api['accepted']})", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    ratio = api["rate"] / bare["rate"]
    print(f"ratio API / bare view: {ratio:.2f}x (target at least 0.5x)")
    problems = check_ledger(api["accepted"] if api["accepted"] is not None else api["requests"] - api["non2xx"],
                            args.connections)
    for problem in problems:
        print("PROBLEM:", problem)
    verified = verify()
    print(f"every accepted event once in the ledger: {'yes' if not problems else 'NO'}; "
          f"jifen verify: {'passed' if verified else 'FAILED'}")
    if args.no_write:
        return
    key, db = database_label()
    m = machine()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "meets" if ratio >= 0.5 else "does NOT meet"
    section = "\n".join([
        f"<!-- bench:http_{key} -->",
        f"## Single events over HTTP vs a bare JSON view — {db}",
        "",
        f"Run {stamp} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run (the machine is shared: "
        "other work ran beside it)",
        "",
        f"gunicorn with {args.workers} sync workers on 127.0.0.1; wrk with {args.threads} threads and "
        f"{args.connections} connections, {args.seconds} s each, on the same machine (wrk's own CPU included).",
        "",
        "| what | requests | requests/s | p50 | p99 | non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
        f"| baseline: `POST /bench/bare`, a Django JSON view doing nothing | {bare['requests']:,} | "
        f"{bare['rate']:,.0f} | {bare['p50']} | {bare['p99']} | {bare['non2xx']} |",
        f"| Jifen: `POST /api/v1/events`, one event a request (bearer token, a key each) | {api['requests']:,} | "
        f"{api['rate']:,.0f} | {api['p50']} | {api['p99']} | {api['non2xx']} |",
        "",
        f"Ratio API / bare view: **{ratio:.2f}x** — {verdict} the target of at least 0.5x. Afterwards every "
        f"accepted event was in the ledger once: {'yes' if not problems else 'NO (' + '; '.join(problems) + ')'}; "
        f"`jifen verify` {'passed' if verified else 'FAILED'}.",
        "",
        NOTE,
        f"<!-- /bench:http_{key} -->",
    ])
    write_results(section)
    print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
