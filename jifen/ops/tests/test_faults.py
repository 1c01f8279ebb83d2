"""Faults: the background worker and the web process are killed (SIGKILL, as a power cut or the OOM killer
would) in the middle of a large bulk import, of the weekly points notice run and of a batch of orders. After a
restart every job finishes exactly once and `jifen verify` passes.

These start REAL processes (`jifen worker`, gunicorn serving `jifen.wsgi`) against a database they share with
the test: on PostgreSQL the test database itself (``transactional_db``: what the test writes is committed, and
the tables are emptied afterwards); on SQLite a file the in-memory test database is copied to, which the test's
own connection then uses too. Jobs queue in huey's SQLite file under a temporary ``JIFEN_DATA_DIR`` (or in Redis
when ``REDIS_URL`` is set). Every process started is killed in teardown, whatever happens.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from jifen.api.tokens import token_create
from jifen.imports import services as imports
from jifen.imports.kinds import KINDS
from jifen.imports.models import ImportRun, RunStatus
from jifen.imports.tasks import commit_import
from jifen.ledger import services as ledger
from jifen.ledger.models import Account, Currency, Entry, EntryKind
from jifen.notify import jobs
from jifen.notify.models import JobRun, JobStatus, Kind, Notification
from jifen.notify.tasks import run_named
from jifen.org.models import Person, Role
from jifen.org.tests.factories import OrgBuilder
from jifen.rewards.models import Redemption, Reward, RewardCategory
from jifen.rules.models import Event

REPO = Path(__file__).resolve().parents[3]
STARTUP = 60  # seconds a process may take to come up on a loaded machine


# ---------------------------------------------------------------- processes and the shared database


@dataclass
class Processes:
    """The processes a test started: each in its own process group, killed (SIGKILL) by its id."""

    env: dict[str, str]
    logs: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen([sys.executable, *args], cwd=REPO, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        process.log_name = log.name
        self.started.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", "-m", "jifen", "worker", "--workers", "2")

    def web(self, port: int) -> subprocess.Popen:
        return self.start("web", "-m", "gunicorn", "jifen.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                          "--threads", "8", "--graceful-timeout", "1")

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the process and everything it started (gunicorn's workers), then reap it."""
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_all(self) -> None:
        for process in self.started:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its group: also children left by an earlier kill
            if process.poll() is None:
                process.wait(timeout=30)

    def tail(self) -> str:
        parts = []
        for process in self.started:
            text = Path(process.log_name).read_text(errors="replace")
            parts.append(f"--- {Path(process.log_name).name} (exit {process.poll()})\n{text[-3000:]}")
        return "\n".join(parts)

    def run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jifen", *args], cwd=REPO, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    @staticmethod
    def verify() -> None:
        """`jifen verify` on the shared database (the test's own connection is on it): it raises if not."""
        problems = io.StringIO()
        try:
            call_command("verify", stdout=io.StringIO(), stderr=problems)
        except CommandError as error:
            raise AssertionError(f"{error}\n{problems.getvalue()}") from error


@dataclass
class Shared:
    processes: Processes
    data_dir: Path
    queue: object  # huey, on the storage the worker reads

    def wait_for(self, what: str, check, timeout: float = 90, every: float = 0.02):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(every)
        raise AssertionError(f"gave up waiting for {what}\n{self.processes.tail()}")


@contextmanager
def _sqlite_file(path: Path):
    """Point the test's connection at a file holding a copy of the in-memory test database (schema and all)."""
    connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        connection.ensure_connection()
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@contextmanager
def _postgres_test_database():
    settings_dict = connection.settings_dict
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "localhost"
    port = settings_dict["PORT"] or 5432
    yield f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def _queue(data_dir: Path):
    from huey import RedisHuey, SqliteHuey
    from huey.contrib.djhuey import HUEY

    if os.environ.get("REDIS_URL"):
        queue = RedisHuey("jifen", url=os.environ["REDIS_URL"])
    else:
        queue = SqliteHuey("jifen", filename=str(data_dir / "huey.sqlite3"))
    queue._registry = HUEY._registry  # the project's tasks, queued for the worker instead of run here
    return queue


@pytest.fixture
def shared(transactional_db, tmp_path, settings):
    """A database, a data folder and a job queue shared by the test and the processes it starts."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings.MEDIA_ROOT = data_dir / "media"  # the processes' MEDIA_ROOT: JIFEN_DATA_DIR/media
    database = _sqlite_file(tmp_path / "jifen.sqlite3") if connection.vendor == "sqlite" else _postgres_test_database()
    with database as url:
        env = {key: value for key, value in os.environ.items()
               if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "JIFEN_JOBS_IMMEDIATE", "PYTEST_CURRENT_TEST")}
        env.update({"DATABASE_URL": url, "JIFEN_DATA_DIR": str(data_dir), "SECRET_KEY": "test", "JIFEN_API_RATE": "0",
                    "PYTHONUNBUFFERED": "1", "LANGUAGE_CODE": "zh-hans"})
        processes = Processes(env=env, logs=tmp_path)
        try:
            yield Shared(processes=processes, data_dir=data_dir, queue=_queue(data_dir))
        finally:
            processes.kill_all()


# ---------------------------------------------------------------- 1. a large import, the worker killed mid-way


def _contributions_file(numbers: list[str], per_person: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["工号", "类型", "标题", "日期"])
    for n in range(per_person):
        for no in numbers:
            writer.writerow([no, "经验分享", f"第{n}期经验分享会", ""])
    return buffer.getvalue().encode("utf-8-sig")


def test_a_large_import_killed_mid_way_is_imported_once_after_a_restart(shared):
    org = OrgBuilder()
    admin = org.person(unit=org.root, no="FA-ADMIN", role=Role.TRAINING_ADMIN, scope=org.root)
    people = Person.objects.bulk_create(Person(employee_no=f"FI{n:04d}", name=f"学员{n}", org_unit=org.platform)
                                        for n in range(300))
    numbers = [p.employee_no for p in people]
    rows = 300 * 10
    assert rows > imports.background_rows()
    data = _contributions_file(numbers, 10)
    kind = KINDS["contributions"]
    assert kind.read(data, "贡献.csv").rows and len(kind.read(data, "贡献.csv").rows) == rows
    token = imports.PARKED.park(admin.user.pk, "贡献.csv", data)
    run = imports.run_queue(kind=kind, user=admin.user, token=token, file_name="贡献.csv", rows=rows)

    processes = shared.processes
    worker = processes.worker()
    shared.queue.enqueue(commit_import.s(run.pk))
    # Started: its first thousand rows are written (inside the import's one transaction).
    shared.wait_for("the import to start", lambda: imports.run_done(ImportRun.objects.get(pk=run.pk)) >= 1000)
    processes.kill(worker)

    run.refresh_from_db()
    assert run.status in (RunStatus.QUEUED, RunStatus.RUNNING)  # not done, not failed: nothing was imported
    assert not Event.objects.filter(key__startswith="imp:contrib:").exists()  # all or nothing: not half
    assert imports.PARKED.load(admin.user.pk, token) is not None  # the file is still there to import

    processes.worker()  # the restarted worker finds the run a dead worker left and imports it
    shared.wait_for("the import to finish",
                    lambda: ImportRun.objects.filter(pk=run.pk, status__in=[RunStatus.DONE, RunStatus.FAILED]).exists())
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert (run.new, run.unchanged) == (rows, 0)  # imported once, in full, by the second worker
    assert Event.objects.filter(key__startswith="imp:contrib:").count() == rows
    awards = Entry.objects.filter(account__person__in=people, account__currency=Currency.POINTS)
    assert awards.count() == len(set(awards.values_list("idempotency_key", flat=True))) > 0
    balances = dict(Account.objects.filter(person__in=people, currency=Currency.POINTS)
                    .values_list("person_id", "balance"))
    assert len(set(balances.values())) == 1 and len(balances) == len(people)  # the same file: the same points each

    # Queued once more (a duplicate message, a resumed worker): nothing changes.
    entries = Entry.objects.count()
    shared.queue.enqueue(commit_import.s(run.pk))
    shared.wait_for("the duplicate to be taken", lambda: shared.queue.pending_count() == 0, timeout=60)
    time.sleep(1)
    assert Entry.objects.count() == entries and Event.objects.filter(key__startswith="imp:contrib:").count() == rows
    processes.verify()


def test_resuming_queues_only_the_runs_nobody_is_importing(org, settings, tmp_path):
    """In one process: a run left waiting (or marked importing) by a dead worker is queued again; one a live
    worker holds, or one that ended, is not; importing a run twice imports it once."""
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = org.person(unit=org.root, role=Role.TRAINING_ADMIN, scope=org.root)
    learner = org.person(no="FR0001")
    kind = KINDS["contributions"]

    def queued(status):
        data = _contributions_file([learner.employee_no], 1)
        token = imports.PARKED.park(admin.user.pk, "c.csv", data)
        run = imports.run_queue(kind=kind, user=admin.user, token=token, file_name="c.csv", rows=1)
        ImportRun.objects.filter(pk=run.pk).update(status=status)
        return run.pk

    left, marked, held, _done = (queued(status) for status in (RunStatus.QUEUED, RunStatus.RUNNING,
                                                              RunStatus.RUNNING, RunStatus.DONE))
    again = []
    with imports._hold(held) as mine:
        assert mine and imports.held(held)
        assert imports.resume_runs(again.append) == [left, marked]
        assert imports.run_execute(run_id=held).status == RunStatus.RUNNING  # another worker's: left alone
    assert again == [left, marked] and not imports.held(held)
    assert imports.run_execute(run_id=marked).status == RunStatus.DONE
    assert imports.run_execute(run_id=marked).status == RunStatus.DONE  # the duplicate changes nothing
    assert Event.objects.filter(key__startswith="imp:contrib:").count() == 1


# ---------------------------------------------------------------- 2. the weekly notice, the worker killed mid-run


def _people_with_logins(org: OrgBuilder, count: int) -> list[Person]:
    users = get_user_model().objects.bulk_create(get_user_model()(username=f"fw{n:04d}", password="!")
                                                 for n in range(count))
    return Person.objects.bulk_create(Person(employee_no=f"FW{n:04d}", name=f"同事{n}", org_unit=org.platform,
                                             position=org.engineer, user=user) for n, user in enumerate(users))


def _weekly_key() -> str:
    today = timezone.localdate()
    week = today - dt.timedelta(days=today.weekday() + 7)
    return f"weekly:{week:%G-W%V}"


def test_the_weekly_notice_killed_mid_run_is_resumed_and_each_person_gets_one(shared):
    org = OrgBuilder()
    people = _people_with_logins(org, 600)
    key = _weekly_key()
    processes, queue = shared.processes, shared.queue

    worker = processes.worker()
    queue.enqueue(run_named.s("weekly"))
    # Part-way: the first chunks sent, the rest not.
    shared.wait_for("the weekly run to be part-way",
                    lambda: JobRun.objects.filter(key=key, status=JobStatus.RUNNING, done__gt=0).exists())
    processes.kill(worker)
    sent = Notification.objects.filter(kind=Kind.WEEKLY).count()
    first = JobRun.objects.get(key=key)
    assert 0 < sent < len(people) and first.status == JobStatus.RUNNING and first.done < first.total

    # Restarted at once: the period is still claimed by the dead run (it might only be slow), so nothing is
    # sent twice and nothing more yet.
    processes.worker()
    again = queue.enqueue(run_named.s("weekly"))
    assert again.get(blocking=True, timeout=STARTUP) is False
    assert Notification.objects.filter(kind=Kind.WEEKLY).count() == sent

    # Ten minutes without a sign of life later, the next attempt takes the run over and finishes it.
    JobRun.objects.filter(key=key).update(heartbeat_at=timezone.now() - jobs.STALE - dt.timedelta(seconds=1))
    queue.enqueue(run_named.s("weekly"))  # (or the worker's five-minute tick, whichever comes first)
    run = shared.wait_for("the weekly run to be finished",
                          lambda: JobRun.objects.filter(key=key).exclude(status=JobStatus.RUNNING).first(), timeout=120)
    assert (run.status, run.attempts, run.done, run.total) == (JobStatus.DONE, 2, len(people), len(people))
    per_user = Counter(Notification.objects.filter(kind=Kind.WEEKLY).values_list("user_id", flat=True))
    assert len(per_user) == len(people) and set(per_user.values()) == {1}  # everyone once, nobody twice
    assert queue.enqueue(run_named.s("weekly")).get(blocking=True, timeout=60) is False  # done: never again
    assert Notification.objects.filter(kind=Kind.WEEKLY).count() == len(people)
    processes.verify()


# ---------------------------------------------------------------- 3. a batch of orders, the web process killed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port: int, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http://127.0.0.1)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_orders_while_the_web_process_is_killed_exist_once_with_stock_and_balances_right(shared):
    org = OrgBuilder()
    learners = [org.person(no=f"FO{n:02d}") for n in range(8)]
    now = timezone.now()
    for learner in learners:
        ledger.award(person=learner, currency=Currency.POINTS, amount=100, key=f"faults:{learner.pk}",
                     reason="faults", now=now)
    reward = Reward.objects.create(code="FAULT-MUG", name="马克杯", category=RewardCategory.MATERIAL, price=10,
                                   stock=30)
    tokens = {learner.pk: token_create(user=learner.user, name="faults", scope="write")[1] for learner in learners}
    # 8 learners × 6 orders of one mug: 48 wanted, 30 in stock; each can afford all six.
    keys = {learner.pk: [f"fo-{learner.employee_no}-{n}" for n in range(6)] for learner in learners}
    processes, port = shared.processes, _free_port()

    def up() -> bool:
        try:
            return _call(port, tokens[learners[0].pk], "GET", "/rewards")[0] == 200
        except OSError:
            return False

    web = processes.web(port)
    shared.wait_for("the web process", up, timeout=STARTUP, every=0.2)
    answers: dict[str, tuple[int, dict]] = {}

    def order(learner_pk: int, key: str) -> None:
        with suppress(OSError):  # the connection died with the server: retried with the same key after the restart
            answers[key] = _call(port, tokens[learner_pk], "POST", "/redemptions",
                                 {"reward": reward.code, "key": key, "quantity": 1})

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(lambda pk=pk: [order(pk, key) for key in keys[pk]]) for pk in keys]
        shared.wait_for("the first orders", lambda: len(answers) >= 8, timeout=60, every=0.005)
        processes.kill(web)  # in the middle of the batch
        for future in futures:
            future.result(timeout=60)
    lost = [key for pk in keys for key in keys[pk] if key not in answers]
    assert lost, "the kill came after the whole batch: nothing was in flight"
    first = dict(answers)

    processes.web(port)
    shared.wait_for("the web process again", up, timeout=STARTUP, every=0.2)
    # Each client sends every order again with the same key, answered or not.
    final = {key: _call(port, tokens[pk], "POST", "/redemptions", {"reward": reward.code, "key": key, "quantity": 1})
             for pk in keys for key in keys[pk]}
    for key, (status, body) in first.items():
        assert status in (201, 409), (key, status, body)
        if status == 201:
            assert final[key] == (201, body)  # the same order, not a second one
    assert {status for status, _body in final.values()} <= {201, 409}
    ordered = [key for key, (status, _body) in final.items() if status == 201]
    refused = [body for status, body in final.values() if status == 409]
    assert all(body["code"] == "out_of_stock" for body in refused)

    orders = Redemption.objects.filter(reward=reward)
    assert sorted(orders.values_list("key", flat=True)) == sorted(ordered)  # each order exists once
    assert len(ordered) == 30 and orders.count() == 30
    reward.refresh_from_db()
    assert reward.stock == 0
    for learner in learners:
        mine = orders.filter(person=learner).count()
        assert Account.objects.get(person=learner, currency=Currency.POINTS).balance == Decimal(100 - 10 * mine)
        assert Entry.objects.filter(account__person=learner, kind=EntryKind.SPEND).count() == mine
    processes.verify()
