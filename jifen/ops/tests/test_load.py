"""A short load test (PostgreSQL only): the real app under gunicorn with its worker, driven by locust for 30 s
with learners browsing, checking in and ordering while two admins import. Fails when a request fails, an
accepted check-in, order or import row is missing from the database (or one nobody saw accepted is there),
the worker's queue does not drain, the server logs an error, or ``jifen verify`` / ``jifen standings`` fail.

It runs ``bench/bench_load.py --short`` in a separate process, on a copy of the test database (already
migrated), made and dropped by the bench; the full run is ``make bench``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO / "bench" / "bench_load.py"


def _locust_installed() -> bool:
    return (Path(sys.executable).parent / "locust").exists()


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                    reason="the load test runs the app on PostgreSQL only")
@pytest.mark.skipif(not _locust_installed(), reason="locust is not installed (the dev extras)")
@pytest.mark.django_db(transaction=True)  # no transaction held open: the test database is copied
def test_learners_and_importers_under_load_lose_nothing():
    assert connection.vendor == "postgresql"
    template = connection.settings_dict["NAME"]
    connections.close_all()  # the copy needs the test database without connections
    done = subprocess.run(
        [sys.executable, str(BENCH), "--short", "--no-write", "--json", "--template", template,
         "--database", f"{template}_load"],
        cwd=REPO, env={**os.environ}, capture_output=True, text=True, timeout=300)
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), f"bench_load.py did not finish:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    summary = json.loads(lines[-1])
    report = "\n".join(lines[:-1])
    assert summary["requests"] > 50, report
    assert summary["failures"] == 0, report
    assert summary["problems"] == [], report
    assert summary["verify_ok"], summary["verify"]
    assert summary["standings_ok"], summary["standings"]
    assert summary["server_error_count"] == 0, "\n".join(summary["server_errors"])
    assert summary["queue_left"] == 0, report
    counts = summary["counts"]
    # Each kind of write really happened, and the database holds what the clients saw, no more, no less.
    assert counts["check-ins seen accepted"] > 0
    assert counts["check-ins in the database"] == counts["check-ins seen accepted"]
    assert counts["orders seen placed"] > 0
    assert counts["orders in the database"] == counts["orders seen placed"]
    assert counts["import rows committed"] > 0
    assert counts["import rows in the database"] == counts["import rows committed"]
    assert done.returncode == 0, report
