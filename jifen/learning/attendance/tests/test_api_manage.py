"""A trainer assigns make-up study, closes a session's attendance and imports it from a file over the
API, with the same services as the roster and import pages (and the same points in the ledger)."""

import datetime as dt
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jifen.api.tests.helpers import bearer
from jifen.catalog.models import Course
from jifen.learning.attendance import services
from jifen.learning.attendance.models import Attendance, AttendanceClosure, MakeUp
from jifen.learning.attendance.tests.factories import make_session
from jifen.learning.attendance.tests.helpers import points
from jifen.learning.attendance.tests.test_views import started
from jifen.org.models import Role

API = "/api/v1/attendance/sessions"


def post(client, url, data=None, **headers):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **headers)


def refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("考勤.csv", text.encode(), content_type="text/csv")


def in_a_week() -> str:
    return (timezone.localdate() + dt.timedelta(days=7)).isoformat()


def test_someone_absent_is_given_make_up_study(client, room):
    session = started(room)
    Course.objects.create(code="SAFE-101", title="安全生产（线上）")
    services.mark(session=session, person=room.learner, status="absent")
    response = post(client, f"{API}/{session.pk}/makeups",
                    {"employee_no": "RD-0007", "assignment": "SAFE-101", "due_on": in_a_week()},
                    **bearer(room.trainer.user, "write"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["employee_no"], body["attendance_status"], body["course"]) == ("RD-0007", "absent", "SAFE-101")
    makeup = MakeUp.objects.get()
    assert makeup.attendance.person == room.learner and makeup.assigned_by == room.trainer.user


def test_make_up_study_for_someone_present_is_refused_with_the_reason(client, room):
    session = started(room)
    services.mark(session=session, person=room.second, status="present")
    client.force_login(room.trainer.user)
    body = refused(post(client, f"{API}/{session.pk}/makeups",
                        {"employee_no": "RD-0008", "assignment": "SAFE-101", "due_on": in_a_week()}))
    assert body["detail"] == "Only a missed session (absent or excused) can be made up."
    unmarked = refused(post(client, f"{API}/{session.pk}/makeups",
                            {"employee_no": "RD-0009", "assignment": "SAFE-101", "due_on": in_a_week()}))
    assert unmarked["detail"] == "Only a missed session (absent or excused) can be made up."
    assert not MakeUp.objects.exists()


def test_make_up_study_for_someone_not_enrolled_is_not_found(client, room):
    session = started(room)
    client.force_login(room.trainer.user)
    refused(post(client, f"{API}/{session.pk}/makeups",
                 {"employee_no": "MK-0009", "assignment": "SAFE-101", "due_on": in_a_week()}), 404)


def test_closing_marks_everyone_without_a_record_absent_and_costs_their_points(client, room):
    session = started(room)
    services.mark(session=session, person=room.learner, status="present")
    client.force_login(room.trainer.user)
    closed = post(client, f"{API}/{session.pk}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json()["marked_absent"] == 2 and closed.json()["session_id"] == session.pk
    assert points(room.second) == points(room.third) == -10
    again = post(client, f"{API}/{session.pk}/close")
    assert again.json()["closed_at"] == closed.json()["closed_at"] and points(room.second) == -10


def test_closing_before_the_session_starts_is_refused(client, room):
    client.force_login(room.trainer.user)
    body = refused(post(client, f"{API}/{room.session.pk}/close"))
    assert body["detail"] == "The session has not started yet: its attendance cannot be closed."
    assert not AttendanceClosure.objects.exists()


def test_importing_a_file_marks_everyone_in_it(client, room):
    session = started(room)
    client.force_login(room.trainer.user)
    content = "工号,状态,原因\nRD-0007,出勤,\nRD-0008,迟到,\nRD-0009,请假,病假\n"
    checked = client.post(f"{API}/{session.pk}/import?dry_run=true", {"file": csv(content)})
    assert checked.status_code == 200 and checked.json()["changes"] == 3 and not checked.json()["committed"]
    assert not Attendance.objects.exists()
    imported = client.post(f"{API}/{session.pk}/import", {"file": csv(content)})
    assert imported.status_code == 200, imported.content
    assert (imported.json()["committed"], imported.json()["changes"]) == (True, 3)
    assert dict(Attendance.objects.values_list("person__employee_no", "status")) == {
        "RD-0007": "present", "RD-0008": "late", "RD-0009": "excused"}
    assert points(room.learner) == 5 and Attendance.objects.get(person=room.third).method == "import"


def test_a_file_with_a_bad_row_imports_nothing_and_names_the_row(client, room):
    session = started(room)
    client.force_login(room.trainer.user)
    content = "工号,状态,原因\nRD-0007,出勤,\nMK-0009,出勤,\n"
    body = refused(client.post(f"{API}/{session.pk}/import", {"file": csv(content)}, HTTP_ACCEPT_LANGUAGE="en"))
    assert body["detail"] == "1 rows have errors; nothing was recorded."
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "employee_no")]
    assert not Attendance.objects.exists()
    dry = client.post(f"{API}/{session.pk}/import?dry_run=true", {"file": csv(content)})
    assert dry.status_code == 200 and dry.json()["error_rows"] == 1
    unreadable = refused(client.post(f"{API}/{session.pk}/import",
                                     {"file": SimpleUploadedFile("考勤.pdf", b"%PDF-1.4")}))
    assert unreadable["field"] == "file"


def test_a_training_admin_reaches_only_the_sessions_of_their_units(client, room, org):
    session = started(room)
    admin = org.person(no="RD-A001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    elsewhere = make_session(org_unit=org.marketing, starts_at=start, enrol=[room.stranger])
    client.force_login(admin.user)
    assert post(client, f"{API}/{session.pk}/close").status_code == 200
    refused(post(client, f"{API}/{elsewhere.pk}/close"), 404)
    refused(client.post(f"{API}/{elsewhere.pk}/import", {"file": csv("工号,状态\nMK-0009,出勤\n")}), 404)
    refused(post(client, f"{API}/{elsewhere.pk}/makeups",
                 {"employee_no": "MK-0009", "assignment": "SAFE-101", "due_on": in_a_week()}), 404)
    assert not Attendance.objects.filter(session=elsewhere).exists()
    client.force_login(room.learner.user)
    refused(post(client, f"{API}/{session.pk}/close"), 403)


def test_a_read_token_cannot_close_or_import(client, room):
    session = started(room)
    read = bearer(room.trainer.user, "read")
    assert refused(post(client, f"{API}/{session.pk}/close", **read), 403)["required_scope"] == "write"
    response = client.post(f"{API}/{session.pk}/import", {"file": csv("工号,状态\nRD-0007,出勤\n")}, **read)
    assert refused(response, 403)["required_scope"] == "write"
    assert not AttendanceClosure.objects.exists() and not Attendance.objects.exists()
