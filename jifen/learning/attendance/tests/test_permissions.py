"""Who may use the attendance pages and endpoints (see jifen/org/tests/test_permission_matrix.py).

Two sessions trained by the matrix's trainer (孙讲师), started five minutes ago: one organised by
平台组 (in 研发中心) with 郑雨桐 enrolled, one by 市场部 with 钱多多 enrolled; each of them already
marked absent. A trainer runs both (they train them); the 研发中心 training admin only the first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jifen.learning.attendance import services, tokens
from jifen.learning.attendance.models import Attendance, AttendanceClosure, MakeUp, Participation
from jifen.learning.attendance.tests.factories import make_session
from jifen.ledger.models import Entry
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import (
    API,
    LEARN,
    ROLES,
    RUN_SESSIONS,
    SIGNED_IN,
    Case,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    scoped,
)
from jifen.rules.models import Event


class World(matrix.World):
    def __init__(self):
        super().__init__()
        trainer = self.users["trainer"].person
        start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
        self.sessions = {
            "in": make_session(org_unit=self.platform, trainer=trainer, starts_at=start, title="新员工安全培训",
                               enrol=[self.in_person]),
            "out": make_session(org_unit=self.marketing, trainer=trainer, starts_at=start, title="渠道沟通培训",
                                enrol=[self.out_person]),
        }
        for target, session in self.sessions.items():
            services.mark(session=session, person=self.person(target), status="absent")

    def session(self, target: str):
        return self.sessions[target]


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> World:
    return World()


def fingerprint() -> tuple:
    return (
        list(Attendance.objects.order_by("pk").values_list("pk", "status", "revision", "reason", "device_id")),
        list(Participation.objects.order_by("pk").values_list("pk", "level", "revision")),
        list(AttendanceClosure.objects.order_by("pk").values_list("pk", "session_id")),
        list(MakeUp.objects.order_by("pk").values_list("pk", "assignment", "due_on", "completed_at")),
        Event.objects.count(),
        Entry.objects.count(),
    )


def on_session(name: str):
    return lambda w, t: reverse(name, args=[w.session(t).pk])


def on_person_in_session(name: str):
    return lambda w, t: reverse(name, args=[w.session(t).pk, w.person(t).pk])


def import_file(w, t) -> dict:
    content = f"工号,状态,原因\n{w.person(t).employee_no},请假,病假\n".encode()
    return {"file": SimpleUploadedFile("考勤.csv", content, content_type="text/csv")}


def fresh_code(w, t) -> str:
    session = w.session("in")
    return reverse("attendance:checkin", args=[session.pk, tokens.make_token(session.pk, timezone.now())])


def due(w, t) -> dict:
    return {"assignment": "SAFE-101", "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()}


CASES: list[Case] = [
    Case("attendance:sessions", "get", RUN_SESSIONS, lambda w, t: reverse("attendance:sessions")),
    *scoped(url_name="attendance:roster", method="get", need=RUN_SESSIONS, url=on_session("attendance:roster")),
    *scoped(url_name="attendance:mark", method="post", need=RUN_SESSIONS,
            url=on_person_in_session("attendance:mark"), data=lambda w, t: {"status": "excused", "reason": "病假"},
            ok=302, writes=True),
    *scoped(url_name="attendance:participation", method="post", need=RUN_SESSIONS,
            url=on_person_in_session("attendance:participation"), data=lambda w, t: {"level": "active"},
            ok=302, writes=True),
    *scoped(url_name="attendance:makeup", method="post", need=RUN_SESSIONS,
            url=on_person_in_session("attendance:makeup"), data=due, ok=302, writes=True),
    *scoped(url_name="attendance:close", method="post", need=RUN_SESSIONS, url=on_session("attendance:close"),
            ok=302, writes=True),
    *scoped(url_name="attendance:qr", method="get", need=RUN_SESSIONS, url=on_session("attendance:qr")),
    *scoped(url_name="attendance:qr_code", method="get", need=RUN_SESSIONS, url=on_session("attendance:qr_code")),
    *scoped(url_name="attendance:import", method="get", need=RUN_SESSIONS, url=on_session("attendance:import")),
    *scoped(url_name="attendance:import", method="post", need=RUN_SESSIONS, url=on_session("attendance:import"),
            data=import_file, ok=302, writes=True),
    *scoped(url_name="attendance:import_template", method="get", need=RUN_SESSIONS,
            url=on_session("attendance:import_template")),
    # Anyone with a person record may open a code; not being enrolled, these roles are refused on the page.
    Case("attendance:checkin", "get", LEARN, fresh_code, label=" (not enrolled: refused)"),
    Case("attendance:my", "get", SIGNED_IN, lambda w, t: reverse("attendance:my")),
    # ---- API
    *api_scoped("GET /api/v1/attendance/sessions/{session_id}", "attendance_list", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}"),
    *api_scoped("POST /api/v1/attendance/sessions/{session_id}/marks", "attendance_mark", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}/marks",
                data=lambda w, t: {"marks": [{"employee_no": w.person(t).employee_no, "status": "present"}]},
                writes=True),
    api_case("POST /api/v1/attendance/check-in", "attendance_check_in", LEARN,
             lambda w, t: f"{API}/attendance/check-in",
             data=lambda w, t: {"session_id": w.session("in").pk,
                                "token": tokens.make_token(w.session("in").pk, timezone.now())},
             ok=400, label=" (not enrolled: refused)"),
    api_case("GET /api/v1/attendance/me", "attendance_mine", SIGNED_IN, lambda w, t: f"{API}/attendance/me"),
    *api_scoped("POST /api/v1/attendance/sessions/{session_id}/makeups", "assign_attendance_makeup", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}/makeups",
                data=lambda w, t: {"employee_no": w.person(t).employee_no, **due(w, t)}, writes=True),
    *api_scoped("POST /api/v1/attendance/sessions/{session_id}/close", "close_session_attendance", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}/close", writes=True),
    *api_scoped("POST /api/v1/attendance/sessions/{session_id}/import", "import_session_attendance", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}/import?dry_run=true", data=import_file,
                label=" (dry run)"),
    *api_scoped("POST /api/v1/attendance/sessions/{session_id}/import", "import_session_attendance", RUN_SESSIONS,
                lambda w, t: f"{API}/attendance/sessions/{w.session(t).pk}/import", data=import_file,
                writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_every_attendance_page_and_endpoint(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)


def test_a_trainer_cannot_open_a_session_someone_else_trains(client, world):
    other = world.org.person(unit=world.platform, no="RD-T002", name="周讲师", role="trainer")
    client.force_login(other.user)
    assert client.get(reverse("attendance:roster", args=[world.session("in").pk])).status_code == 404
    assert client.get(f"{API}/attendance/sessions/{world.session('in').pk}").status_code == 404
    assert "新员工安全培训" not in client.get(reverse("attendance:sessions")).content.decode()


def test_every_attendance_url_is_in_this_matrix():
    from django.urls import get_resolver

    from jifen.org.tests.test_permission_matrix import _url_names

    names = {n for n in _url_names(get_resolver().url_patterns) if n.startswith("attendance:")}
    assert names == {c.url_name for c in CASES if c.url_name.startswith("attendance:")}
