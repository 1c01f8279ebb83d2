"""A load test of the real app: learners browsing, checking in and ordering while admins import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_load.py
    .venv/bin/python bench/bench_load.py --short --no-write      # about a minute, small data (the pytest)

The server in DATABASE_URL gets a fresh database named ``jifen_load`` (``--database``), migrated, with the
demo organisation (``--demo-people``; ``--short``: a small roster of its own instead) and what the load
needs (bench/load/scenario.py: sessions with check-in open and everyone enrolled, rewards, importers, a
trainer). Then the app runs as deployed, on 127.0.0.1 only: ``gunicorn jifen.wsgi`` (``--workers``, 4
threads each) and ``jifen worker`` beside it, and locust (headless, bench/load/locustfile.py) drives it for
``--seconds``: learners sign in and browse home, my points, the store, the leaderboard, check in by
scanning the code the trainer's screen shows (the page or the API), order rewards (the API or the page,
each with its own key, some sent twice); a trainer's screen polls the codes; one training admin imports
contributions over the API (dry run, commit, sometimes the same file again) and another through the
import pages.

Afterwards: no failed request (business refusals — not enrolled, an expired code, out of stock, over the
limit, not enough points — are counted apart, by reason); every check-in, order and import row a client
saw accepted is in the database exactly once with its ledger entries, and nothing a client did not see
accepted; the worker's queue drains; ``jifen verify`` and ``jifen standings`` pass; the server logged no
error. Exits non-zero when any of these fails. The section ``load_postgresql`` in bench/RESULTS.md is
replaced (not with --no-write); ``--json`` prints the summary as JSON (the test reads it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))


def prepare_database(url: str, name: str, template: str = "", drop: bool = False) -> str:
    """A fresh database ``name`` on the server in ``url`` (a copy of ``template``, else empty); answer its
    URL. ``drop``: only drop it."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop:
            return ""
        if template:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [template])
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jifen(env: dict, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "jifen"), *args], env=env, cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                          timeout=timeout)


def wait_until_up(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def stop(process: subprocess.Popen | None, seconds: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_failures(prefix: str) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def server_errors(log: Path) -> list[str]:
    """Lines of the web and worker logs that say something went wrong on the server."""
    if not log.exists():
        return []
    bad = re.compile(r"Traceback|\bERROR\b|Internal Server Error|CRITICAL|WORKER TIMEOUT|deadlock", re.IGNORECASE)
    return [line for line in log.read_text(errors="replace").splitlines() if bad.search(line)]


def setup_child(args) -> None:
    """In a fresh process on the load database: make the data, print the fixture as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from load import scenario

    fixture = scenario.build(demo_people=args.demo_people, people=args.people)
    print(json.dumps(fixture))


def check_child(args) -> None:
    """In a fresh process on the load database, the worker still running: wait for its queue to drain (60 s
    at most), compare the outcomes with the database, run ``jifen verify`` and ``jifen standings``; print
    JSON."""
    import io

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY
    from load import scenario

    deadline = time.monotonic() + 60
    while HUEY.pending_count() and time.monotonic() < deadline:
        time.sleep(1)
    result = {"queue_left": HUEY.pending_count()}
    fixture = json.loads(Path(args.fixture).read_text())
    outcomes = json.loads(Path(args.outcomes).read_text())
    result.update(scenario.check(outcomes, fixture))
    for command in ("verify", "standings"):
        out = io.StringIO()
        try:
            call_command(command, stdout=out, stderr=out)
            result[command] = {"ok": True, "output": out.getvalue().strip()[-1000:]}
        except Exception as error:
            result[command] = {"ok": False, "output": (out.getvalue() + f"\n{error}").strip()[-1000:]}
    print(json.dumps(result, ensure_ascii=False, default=str))


def machine() -> dict:
    from bench_org import machine as described

    return described()


def run(args) -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("the load test runs on PostgreSQL: set DATABASE_URL to the server (the database is made)")
    work = Path(tempfile.mkdtemp(prefix="jifen-load-"))
    env = {**os.environ, "DATABASE_URL": prepare_database(url, args.database, args.template),
           "JIFEN_DATA_DIR": str(work / "data"), "SECRET_KEY": secrets.token_urlsafe(40),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "0", "JIFEN_HTTPS": "0", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "jifen.settings"}
    for name in ("JIFEN_JOBS_IMMEDIATE", "REDIS_URL"):
        env.pop(name, None)
    steps = [] if args.template else [("migrate", "--noinput", "-v0")]
    if args.plain_static:
        env.update(DJANGO_SETTINGS_MODULE="load.plain_static", PYTHONPATH=str(HERE))
    else:
        steps.append(("collectstatic", "--noinput", "-v0"))
    timings = {}
    started = time.monotonic()
    print(f"database {args.database}" + (f" (a copy of {args.template})" if args.template else "") + ": "
          + (", ".join(step[0] for step in steps) or "ready") + " …", flush=True)
    for step in steps:
        done = jifen(env, *step)
        if done.returncode:
            sys.exit(f"jifen {step[0]} failed:\n{done.stderr[-3000:]}")
    timings["migrate"] = time.monotonic() - started
    print("loading the data …", flush=True)
    started = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--setup-child", "--demo-people", str(args.demo_people),  # noqa: S603
                           "--people", str(args.people)], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode:
        sys.exit(f"loading failed:\n{done.stderr[-5000:]}")
    fixture = json.loads(done.stdout.strip().splitlines()[-1])
    timings["load"] = time.monotonic() - started
    fixture_path, outcomes_path = work / "fixture.json", work / "outcomes.json"
    fixture_path.write_text(json.dumps(fixture))
    print(f"  {len(fixture['learners'])} learners, {len(fixture['sessions'])} sessions "
          f"({timings['migrate']:.0f} s migrating, {timings['load']:.0f} s loading)", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    web = worker = None
    with log.open("w") as log_handle:
        try:
            web = subprocess.Popen([str(BIN / "gunicorn"), "jifen.wsgi", "--bind", f"127.0.0.1:{port}",  # noqa: S603
                                    "--workers", str(args.workers), "--threads", "4", "--timeout", "60",
                                    "--forwarded-allow-ips", "127.0.0.1"],
                                   env=env, cwd=ROOT, stdout=log_handle, stderr=subprocess.STDOUT)
            worker = subprocess.Popen([str(BIN / "jifen"), "worker", "--workers", "2"], env=env, cwd=ROOT,  # noqa: S603
                                      stdout=log_handle, stderr=subprocess.STDOUT)
            wait_until_up(base, 60)
            started = time.monotonic()
            print(f"serving on {base} ({args.workers} gunicorn workers × 4 threads, and jifen worker); "
                  f"locust: {args.users} users for {args.seconds} s …", flush=True)
            prefix = str(work / "locust")
            locust_env = {**env, "LOAD_FIXTURE": str(fixture_path), "LOAD_OUTCOMES": str(outcomes_path),
                          "LOAD_IMPORT_ROWS": str(args.import_rows)}
            locust = subprocess.run(  # noqa: S603
                [str(BIN / "locust"), "-f", str(HERE / "load" / "locustfile.py"), "--headless", "--host", base,
                 "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--stop-timeout", "60",
                 "--csv", prefix, "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
                env=locust_env, cwd=ROOT, capture_output=True, text=True, timeout=args.seconds + 300)
            if locust.returncode or not outcomes_path.exists():
                sys.exit(f"locust failed ({locust.returncode}):\n{locust.stderr[-5000:]}")
            timings["locust"] = time.monotonic() - started
            started = time.monotonic()
            print("waiting for the worker, checking the database against what the clients saw …", flush=True)
            done = subprocess.run([sys.executable, __file__, "--check-child", str(fixture_path),  # noqa: S603
                                   str(outcomes_path)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
            if done.returncode:
                sys.exit(f"the check failed to run:\n{done.stderr[-5000:]}")
            checked = json.loads(done.stdout.strip().splitlines()[-1])
            timings["check"] = time.monotonic() - started
        finally:
            stop(web)
            stop(worker)
    stats = read_stats(prefix)
    failures = read_failures(prefix)
    errors = server_errors(log)
    waiting = checked["queue_left"]
    if not args.keep_database:
        prepare_database(url, args.database, drop=True)
    total = next(row for row in stats if row["Name"] == "Aggregated")
    summary = {
        "database": args.database, "users": args.users, "seconds": args.seconds, "workers": args.workers,
        "learners": len(fixture["learners"]), "sessions": len(fixture["sessions"]), "import_rows": args.import_rows,
        "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "kinds": [{"name": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                   "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0),
                   "rps": float(row["Requests/s"])} for row in stats if row["Name"] != "Aggregated"],
        "failure_messages": [f"{f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures],
        "counts": checked["counts"], "problems": checked["problems"],
        "server_errors": errors[:30], "server_error_count": len(errors), "queue_left": waiting,
        "verify_ok": checked["verify"]["ok"], "verify": checked["verify"]["output"],
        "standings_ok": checked["standings"]["ok"], "standings": checked["standings"]["output"],
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    summary["passed"] = (summary["failures"] == 0 and not summary["problems"] and summary["verify_ok"]
                         and summary["standings_ok"] and not errors and waiting == 0)
    return summary


REFUSALS_EXPLAINED = [
    ("check-in refused", "A check-in refusal is a scan a learner makes on purpose (4 % each) with a code from "
     "minutes ago, or for the session nobody is enrolled in; or, counted apart, a code that expired while the "
     "request waited longer than a code lives."),
    ("out_of_stock", "out_of_stock: the scarce reward ran out."),
    ("limit_reached", "limit_reached: the reward allows 2 a person a year."),
    ("insufficient_balance", "insufficient_balance: a learner without enough points."),
    ("order refused (", "An order refused on the page shows the reason in the form."),
]


def section(summary: dict) -> str:
    import django

    m = machine()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    c = summary["counts"]
    refusals = sorted((k, v) for k, v in c.items() if k.startswith(("order refused", "check-in refused")) and v)
    lines = [
        "<!-- bench:load_postgresql -->",
        "## Load test: learners browsing, checking in and ordering while admins import — PostgreSQL",
        "",
        f"Run {stamp} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram']} RAM · Python {platform.python_version()} · "
        f"Django {django.get_version()} · load average {m['load']} at the end of the run",
        "",
        f"`bench/bench_load.py`: a fresh database with the demo organisation and {summary['learners']} learners "
        f"enrolled in {summary['sessions']} sessions; `gunicorn jifen.wsgi` ({summary['workers']} workers × 4 "
        f"threads) and `jifen worker` on 127.0.0.1; locust (headless, same machine) with {summary['users']} users "
        f"for {summary['seconds']} s: learners (sign in, home, my points, store, leaderboard, check-in by scanning "
        "the code on the trainer's screen — page or API —, orders over the API and the page, 10 % sent twice), "
        "the trainer's screen polling the codes, one training admin importing contributions over the API "
        f"(dry run, commit, sometimes the same file again) and one through the import pages, {summary['import_rows']} "
        "rows a file. Times in ms, measured by the client, which shares the CPUs with the server, PostgreSQL "
        "and whatever else runs (see the load average). A sign-in is Django's PBKDF2 at 1,000,000 rounds (each "
        "learner signs in once; the password hash is stored again at full rounds, as on a real first login).",
        "",
        "| request | count | failed | req/s | p50 | p95 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(summary["kinds"], key=lambda k: -k["requests"]):
        lines.append(f"| {kind['name']} | {kind['requests']:,} | {kind['failures']} | {kind['rps']:.1f} | "
                     f"{kind['p50']:.0f} | {kind['p95']:.0f} | {kind['p99']:.0f} |")
    lines += [
        f"| **all** | **{summary['requests']:,}** | **{summary['failures']}** | **{summary['rps']:.1f}** | | | |",
        "",
        f"Failed requests: {summary['failures']}"
        + (" — " + "; ".join(summary["failure_messages"][:5]) if summary["failure_messages"] else "") + ". "
        f"Server errors logged: {summary['server_error_count']}. Jobs left in the worker's queue after 60 s: "
        f"{summary['queue_left']}. Requests sent again because the connection closed with no answer (as a "
        "browser does; a second failure would count as failed): "
        + ("; ".join(f"{k.removeprefix('retried: ')} × {v}" for k, v in sorted(c.items()) if k.startswith("retried"))
           or "none") + ".",
        "",
        "Business refusals (answered as designed, not failures): "
        + ("; ".join(f"{k} × {v}" for k, v in refusals) if refusals else "none") + ". "
        + " ".join(why for key, why in REFUSALS_EXPLAINED if any(key in k for k, _v in refusals)),
        "",
        "Accepted vs in the database (each also checked to hold its ledger entries exactly once):",
        "",
        "| what | clients saw accepted | database holds |",
        "|---|---:|---:|",
        f"| check-ins (person × session) | {c.get('check-ins seen accepted', 0):,} | "
        f"{c.get('check-ins in the database', 0):,} |",
        f"| orders (distinct keys) | {c.get('orders seen placed', 0):,} | {c.get('orders in the database', 0):,} |",
        f"| imported contribution rows | {c.get('import rows committed', 0):,} | "
        f"{c.get('import rows in the database', 0):,} |",
        "",
        f"Problems found: {len(summary['problems'])}" + (" — " + "; ".join(summary["problems"][:5])
                                                          if summary["problems"] else "") + ". "
        f"`jifen verify`: {'passed' if summary['verify_ok'] else 'FAILED'}; `jifen standings`: "
        f"{'passed' if summary['standings_ok'] else 'FAILED'}. "
        f"Overall: **{'passed' if summary['passed'] else 'FAILED'}**.",
        "<!-- /bench:load_postgresql -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="jifen_load")
    parser.add_argument("--short", action="store_true", help="small data, 30 s, 12 users (the pytest)")
    parser.add_argument("--demo-people", type=int, default=300)
    parser.add_argument("--people", type=int, default=24, help="learners of the small roster (--short)")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--import-rows", type=int, default=100)
    parser.add_argument("--template", default="", help="copy this (migrated) database instead of migrating")
    parser.add_argument("--plain-static", action="store_true",
                        help="plain static file names instead of collectstatic (--short does this)")
    parser.add_argument("--keep-database", action="store_true", help="leave the load database afterwards")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line at the end")
    parser.add_argument("--setup-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check-child", nargs=2, metavar=("FIXTURE", "OUTCOMES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_child:
        return setup_child(args)
    if args.check_child:
        args.fixture, args.outcomes = args.check_child
        return check_child(args)
    if args.short:
        args.demo_people, args.users, args.seconds, args.import_rows = 0, 12, 30, 30
        args.workers = min(args.workers, 2)
        args.spawn_rate = max(args.spawn_rate, 6)
        args.plain_static = True
    summary = run(args)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    text = section(summary)
    print()
    print(text)
    if summary["server_errors"]:
        print("\nserver log:\n" + "\n".join(summary["server_errors"]))
    if not args.no_write:
        from bench_org import write_results

        write_results(text)
        print("written to bench/RESULTS.md")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    if not summary["passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
