"""Locust users for bench/bench_load.py: learners browsing, checking in and ordering; a trainer showing the
check-in code; two training admins importing contributions (one over the API, one through the pages).

Read from the environment: LOAD_FIXTURE (the JSON bench_load.py wrote: logins, sessions, rewards, the
importer's token), LOAD_OUTCOMES (where to write what each client saw: every check-in, order and import
with its result, read afterwards to compare with the database), LOAD_IMPORT_ROWS (rows per import file).

A request counts as failed (locust's failure) when the server answers anything but the expected success or
an expected business refusal. Business refusals (not enrolled, an expired code, out of stock, over the
limit, not enough points) are successes for locust and are counted by reason in the outcomes file.
"""

# ruff: noqa: S311 - which learner, which reward, which session: not secrets

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import re
import time
import uuid
import zoneinfo
from datetime import datetime

from locust import HttpUser, between, constant, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
OUTCOMES: list[dict] = []
CODES: dict[int, tuple[str, float]] = {}  # session → (token on the trainer's screen, when it was read)
CODE_FRESH_SECONDS = 15  # a code lives 30 to 60 s from when it is shown: a learner scans one at most this old
CODE_LIFE_SECONDS = 30
IMPORT_ROWS = int(os.environ.get("LOAD_IMPORT_ROWS", "50"))
_learner_numbers = itertools.count()
_CHECKIN_LINK = re.compile(r"/attendance/c/(\d+)/([^/\"'<\s]+)/")
_RESULT = re.compile(r'data-result="([a-z]*)"')
_ERROR = re.compile(r'class="[^"]*\berror(?:list)?\b[^"]*"[^>]*>\s*(?:<li>)?([^<]+)<')
_KEY = re.compile(r'name="key" value="([^"]+)"')


RETRIED: dict[str, int] = {}


class CountedRetry(Retry):
    """Like a browser: a request whose connection the server dropped without an answer (the server closing
    a kept-alive connection just as the client reuses it) is sent once more. Each retry is counted by cause
    and reported; a second failure is a failure."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        cause = f"{method} {type(error).__name__ if error else 'response'}: {str(error)[:80]}"
        RETRIED[cause] = RETRIED.get(cause, 0) + 1
        return super().increment(method, url, response, error, _pool, _stacktrace)


@events.quitting.add_listener
def _write_outcomes(environment, **_kwargs):
    with open(os.environ["LOAD_OUTCOMES"], "w", encoding="utf-8") as handle:
        json.dump([*OUTCOMES, *({"type": "retry", "cause": c, "count": n} for c, n in RETRIED.items())], handle,
                  ensure_ascii=False)


class Client(HttpUser):
    abstract = True

    def on_start(self):
        retry = CountedRetry(total=1, connect=1, read=1, redirect=0, status=0, other=0, allowed_methods=None,
                             raise_on_status=False, raise_on_redirect=False, respect_retry_after_header=False)
        self.client.mount("http://", HTTPAdapter(max_retries=retry))


class SignedIn(Client):
    abstract = True
    login = ""

    def sign_in(self, login: str) -> None:
        self.login = login
        self.client.get("/accounts/login/", name="sign in (form)")
        with self.client.post("/accounts/login/", name="sign in", allow_redirects=False, catch_response=True,
                              data={"username": login, "password": FIXTURE["password"],
                                    "csrfmiddlewaretoken": self.csrf()}) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {login} answered {_status(response)}")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def page(self, path: str, name: str, expect: str = "") -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(_status(response))
            elif "/accounts/login/" in response.url:
                response.failure("sent to the sign-in page")
            elif expect and expect not in response.text:
                response.failure(f"no {expect!r} in the page")
            return response.text


class Learner(SignedIn):
    weight = 10
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        learners = FIXTURE["learners"]
        self.sign_in(learners[next(_learner_numbers) % len(learners)])
        self.sessions = list(FIXTURE["sessions"])
        random.shuffle(self.sessions)
        self.checked_in: set[int] = set()

    # ---- browsing
    @task(5)
    def home(self):
        self.page("/", "home")

    @task(3)
    def my_points(self):
        self.page("/points/", "my points")

    @task(3)
    def store(self):
        self.page("/rewards/", "store", expect=FIXTURE["rewards"]["pen"])

    @task(2)
    def leaderboard(self):
        self.page("/recognition/leaderboard/", "leaderboard")

    @task(1)
    def my_attendance(self):
        self.page("/attendance/my/", "my attendance")

    @task(1)
    def my_orders(self):
        self.page("/rewards/orders/mine/", "my orders")

    # ---- checking in
    def _scan_target(self) -> tuple[int, str, str, float] | None:
        """(session, token, what we expect, when the code was read) for the next scan, or None while no fresh
        code is up."""
        roll = random.random()
        if roll < 0.04:  # a session this learner is not enrolled in
            session, expect = FIXTURE["closed_session"], "refused"
        else:
            todo = [s for s in self.sessions if s not in self.checked_in]
            session = todo[0] if todo and roll < 0.9 else random.choice(self.sessions)  # else a second scan
            expect = "ok"
        shown = CODES.get(session)
        if shown is None or time.monotonic() - shown[1] > CODE_FRESH_SECONDS:
            return None
        token = shown[0]
        if random.random() < 0.04:  # a photo of a code from minutes ago
            window, _sep, mac = token.partition("-")
            token, expect = f"{int(window) - 10}-{mac}", "refused"
        return session, token, expect, shown[1]

    def _late_answer(self, read_at: float, refusal: str) -> bool:
        """A scan refused as expired when the answer came a code's whole life after the code was read: the
        code expired while the request waited (by design, counted apart); sooner, it is a failure."""
        if time.monotonic() - read_at < CODE_LIFE_SECONDS:
            return False
        OUTCOMES.append({"type": "checkin", "via": "late", "session": 0, "person": self.login, "result": "refused",
                         "code": f"code expired while the request waited ({refusal[:40]})"})
        return True

    def _saw_checkin(self, via, session, result, code=""):
        OUTCOMES.append({"type": "checkin", "via": via, "session": session, "person": self.login,
                         "result": result, "code": code})
        if result in ("present", "late"):
            self.checked_in.add(session)

    @task(4)
    def check_in(self):
        target = self._scan_target()
        if target is None:
            return self.home()
        session, token, expect, read_at = target
        if random.random() < 0.5:  # the phone opens the scanned link
            with self.client.get(f"/attendance/c/{session}/{token}/", name="check-in (scan page)",
                                 catch_response=True) as response:
                found = _RESULT.search(response.text) if response.status_code == 200 else None
                result = found.group(1) if found else ""
                if result not in ("present", "late", "refused"):
                    response.failure(f"{_status(response)}, result {result!r}")
                elif result == "refused" and expect != "refused" and self._late_answer(read_at,
                                                                                        _reason(response.text)):
                    pass
                elif (result == "refused") != (expect == "refused"):
                    response.failure(f"expected {expect}, got {result}: {_reason(response.text)}")
                else:
                    self._saw_checkin("page", session, result, _reason(response.text) if result == "refused" else "")
            return None
        with self.client.post("/api/v1/attendance/check-in", name="check-in (API)", catch_response=True,
                              json={"session_id": session, "token": token},
                              headers={"X-CSRFToken": self.csrf()}) as response:
            if response.status_code == 200 and expect == "ok":
                self._saw_checkin("api", session, response.json()["status"])
            elif response.status_code == 400 and expect == "refused":
                response.success()  # a business refusal, counted apart
                self._saw_checkin("api", session, "refused", response.json().get("detail", "")[:80])
            elif response.status_code == 400 and self._late_answer(read_at, response.json().get("detail", "")):
                response.success()
            else:
                response.failure(f"{_status(response)} (expected {expect}): {response.text[:200]}")
        return None

    # ---- ordering
    @task(2)
    def order_api(self):
        rewards = FIXTURE["rewards"]
        reward = random.choice([rewards["pen"], rewards["pen"], rewards["mug"], rewards["book"]])
        key = f"load-api-{uuid.uuid4().hex}"
        for attempt in range(2 if random.random() < 0.1 else 1):  # a client that resends
            with self.client.post("/api/v1/redemptions", name="order (API)", catch_response=True,
                                  json={"reward": reward, "quantity": 1, "key": key},
                                  headers={"X-CSRFToken": self.csrf()}) as response:
                if response.status_code == 201:
                    OUTCOMES.append({"type": "order", "via": "api", "key": key, "reward": reward,
                                     "person": self.login, "result": "repeat" if attempt else "created",
                                     "id": response.json()["id"]})
                elif response.status_code == 409:
                    response.success()  # a business refusal, counted apart
                    body = response.json()
                    OUTCOMES.append({"type": "order", "via": "api", "key": key, "reward": reward,
                                     "person": self.login, "result": "refused", "code": body.get("code", "")})
                    return
                else:
                    response.failure(f"{_status(response)}: {response.text[:200]}")
                    return

    @task(1)
    def order_page(self):
        reward = FIXTURE["rewards"]["pen"]
        text = self.page(f"/rewards/item/{reward}/", "reward page")
        found = _KEY.search(text)
        if not found:
            return  # the page said why it cannot be ordered (no points): nothing to post
        key = f"load-{found.group(1)}"
        for attempt in range(2 if random.random() < 0.1 else 1):  # a double click
            with self.client.post(f"/rewards/item/{reward}/", name="order (page)", allow_redirects=False,
                                  catch_response=True, data={"quantity": "1", "key": key,
                                                             "csrfmiddlewaretoken": self.csrf()}) as response:
                if response.status_code == 302 and "/rewards/orders/mine/" in response.headers.get("Location", ""):
                    OUTCOMES.append({"type": "order", "via": "page", "key": key, "reward": reward,
                                     "person": self.login, "result": "repeat" if attempt else "created"})
                elif response.status_code == 200 and _ERROR.search(response.text):
                    OUTCOMES.append({"type": "order", "via": "page", "key": key, "reward": reward,
                                     "person": self.login, "result": "refused", "code": _reason(response.text)})
                    return
                else:
                    response.failure(_status(response))
                    return


def _status(response) -> str:
    """The status, or for no answer at all (status 0) what went wrong on the way."""
    return str(response.status_code) if response.status_code else f"no answer: {response.error!r}"[:200]


def _reason(html: str) -> str:
    """The refusal's own words (a business refusal, in the learner's language), shortened."""
    found = _ERROR.search(html) or re.search(r'class="att-result-text">([^<]+)<', html)
    return re.sub(r"[\d.,:]+", "#", found.group(1).strip())[:60] if found else "?"


class Trainer(SignedIn):
    """The screen in each classroom: the current check-in code, polled as the QR page does."""

    fixed_count = 1
    wait_time = constant(0.5)

    def on_start(self):
        super().on_start()
        self.sign_in(FIXTURE["trainer"])
        self.rotation = itertools.cycle([*FIXTURE["sessions"], FIXTURE["closed_session"]])

    @task
    def show_code(self):
        session = next(self.rotation)
        text = self.page(f"/attendance/sessions/{session}/qr/code/", "check-in code (trainer's screen)")
        found = _CHECKIN_LINK.search(text)
        if found and int(found.group(1)) == session:
            CODES[session] = (found.group(2), time.monotonic())


def contributions_file(learners: list[str], rows: int) -> tuple[bytes, list[list[str]]]:
    today = datetime.now(zoneinfo.ZoneInfo(FIXTURE["time_zone"])).date().isoformat()
    batch = uuid.uuid4().hex[:10]
    body = [[no, f"负载测试授课 {batch}-{n}", today] for n, no in enumerate(random.choices(learners, k=rows))]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工号", "类型", "标题", "日期"])
    writer.writerows([[no, "授课", title, day] for no, title, day in body])
    return out.getvalue().encode("utf-8-sig"), body


class ApiImporter(Client):
    """A training admin's script: check a contributions file, import it; now and then send it again."""

    fixed_count = 1
    wait_time = between(3, 6)

    @task
    def import_file(self):
        data, rows = contributions_file(FIXTURE["learners"], IMPORT_ROWS)
        auth = {"Authorization": f"Bearer {FIXTURE['token']}"}
        for dry_run, again, name in ((True, False, "import (API dry run)"), (False, False, "import (API commit)"),
                                     (False, True, "import (API same file again)")):
            if again and random.random() < 0.7:
                break
            with self.client.post(f"/api/v1/imports/contributions?dry_run={str(dry_run).lower()}", name=name,
                                  headers=auth, files={"file": ("contributions.csv", data, "text/csv")},
                                  catch_response=True) as response:
                body = response.json() if response.status_code == 200 else {}
                want_new = 0 if again else len(rows)
                if response.status_code != 200 or body.get("error_count") or body.get("new") != want_new:
                    response.failure(f"{_status(response)}: {response.text[:300]}")
                    return
                OUTCOMES.append({"type": "import", "via": "api", "rows": rows, "new": body["new"],
                                 "result": "checked" if dry_run else "committed" if want_new else "repeat"})


class PageImporter(SignedIn):
    """A training admin on the pages: upload, look at the dry run, import."""

    fixed_count = 1
    wait_time = between(5, 9)

    def on_start(self):
        super().on_start()
        self.sign_in(FIXTURE["page_importer"])

    @task
    def import_file(self):
        data, rows = contributions_file(FIXTURE["learners"], IMPORT_ROWS)
        self.page("/imports/contributions/", "import (page: upload form)")
        with self.client.post("/imports/contributions/", name="import (page: upload)", allow_redirects=False,
                              data={"csrfmiddlewaretoken": self.csrf()},
                              files={"file": ("contributions.csv", data, "text/csv")},
                              catch_response=True) as response:
            review = response.headers.get("Location", "")
            if response.status_code != 302 or "/imports/contributions/" not in review:
                response.failure(_status(response))
                return
        self.page(review, "import (page: dry run)", expect='value="commit"')
        with self.client.post(review, name="import (page: commit)", allow_redirects=False, catch_response=True,
                              data={"action": "commit", "csrfmiddlewaretoken": self.csrf()}) as response:
            if response.status_code != 302 or response.headers.get("Location", "").rstrip("/") != "/imports":
                response.failure(f"{_status(response)} → {response.headers.get('Location')}")
                return
        OUTCOMES.append({"type": "import", "via": "page", "rows": rows, "new": None, "result": "committed"})
