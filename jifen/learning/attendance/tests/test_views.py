"""The pages: a trainer's roster with htmx row updates, the QR screen, the scan, import, my attendance."""

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from jifen.learning.attendance import services, tokens
from jifen.learning.attendance.models import Attendance, AttendanceStatus
from jifen.learning.attendance.tests.factories import make_session
from jifen.learning.attendance.tests.helpers import points
from jifen.learning.attendance.views import DEVICE_COOKIE
from jifen.org.models import Role


def started(room):
    """Move the room's session to "started five minutes ago" (the pages use the real clock)."""
    from jifen.catalog.models import Session

    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    Session.objects.filter(pk=room.session.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    room.session.refresh_from_db()
    return room.session


def test_a_trainer_sees_their_own_sessions_only(client, room, org):
    other_trainer = org.person(unit=org.platform, no="TR-0002", name="周讲师", role=Role.TRAINER)
    make_session(org_unit=org.platform, trainer=other_trainer, title="别人的班次")
    client.force_login(room.trainer.user)
    body = client.get(reverse("attendance:sessions")).content.decode()
    assert room.session.course.title in body and "别人的班次" not in body


def test_the_roster_lists_everyone_enrolled(client, room):
    client.force_login(room.trainer.user)
    body = client.get(reverse("attendance:roster", args=[room.session.pk])).content.decode()
    assert "郑雨桐" in body and "王小明" in body and "钱多多" not in body


def test_marking_with_htmx_returns_just_the_updated_row(client, room):
    started(room)
    client.force_login(room.trainer.user)
    response = client.post(reverse("attendance:mark", args=[room.session.pk, room.learner.pk]),
                           {"status": "absent", "reason": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<tr")
    assert f'id="att-row-{room.learner.pk}"' in body
    assert Attendance.objects.get(person=room.learner).status == AttendanceStatus.ABSENT
    assert points(room.learner) == -10


def test_a_refused_mark_shows_the_reason_on_the_row_and_saves_nothing(client, room):
    started(room)
    client.force_login(room.trainer.user)
    response = client.post(reverse("attendance:mark", args=[room.session.pk, room.learner.pk]),
                           {"status": "excused", "reason": ""}, HTTP_HX_REQUEST="true")
    assert 'role="alert"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_marking_without_javascript_goes_back_to_the_roster(client, room):
    started(room)
    client.force_login(room.trainer.user)
    response = client.post(reverse("attendance:mark", args=[room.session.pk, room.learner.pk]),
                           {"status": "present"})
    assert response.status_code == 302 and response["Location"] == reverse("attendance:roster",
                                                                           args=[room.session.pk])


def test_participation_and_make_up_from_the_roster(client, room):
    started(room)
    client.force_login(room.trainer.user)
    client.post(reverse("attendance:participation", args=[room.session.pk, room.learner.pk]), {"level": "active"},
                HTTP_HX_REQUEST="true")
    assert points(room.learner) == 10
    client.post(reverse("attendance:mark", args=[room.session.pk, room.second.pk]), {"status": "absent"})
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(reverse("attendance:makeup", args=[room.session.pk, room.second.pk]),
                           {"assignment": "SAFE-101", "due_on": due}, HTTP_HX_REQUEST="true")
    assert "SAFE-101" in response.content.decode()
    assert Attendance.objects.get(person=room.second).makeup.assignment == "SAFE-101"


def test_closing_from_the_roster(client, room):
    started(room)
    client.force_login(room.trainer.user)
    response = client.post(reverse("attendance:close", args=[room.session.pk]))
    assert response.status_code == 302
    assert Attendance.objects.filter(status="absent").count() == 3


def test_the_qr_code_fragment_holds_a_working_check_in_link(client, room):
    started(room)
    client.force_login(room.trainer.user)
    body = client.get(reverse("attendance:qr_code", args=[room.session.pk])).content.decode()
    assert "<svg" in body and "data-checkin-url" in body
    url = body.split('data-checkin-url="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://testserver/attendance/c/")
    client.force_login(room.learner.user)
    response = client.get(url.removeprefix("http://testserver"))
    assert 'data-result="present"' in response.content.decode()


def test_the_qr_screen_says_when_check_in_opens_instead_of_a_code(client, room):
    client.force_login(room.trainer.user)
    body = client.get(reverse("attendance:qr_code", args=[room.session.pk])).content.decode()
    assert "<svg" not in body and "data-qr-state" in body


def test_the_qr_screen_polls_for_the_code(client, room):
    client.force_login(room.trainer.user)
    body = client.get(reverse("attendance:qr", args=[room.session.pk])).content.decode()
    assert reverse("attendance:qr_code", args=[room.session.pk]) in body and "every 5s" in body


def test_scanning_sets_a_long_lived_device_cookie_and_records_it(client, room):
    session = started(room)
    client.force_login(room.learner.user)
    url = reverse("attendance:checkin", args=[session.pk, tokens.make_token(session.pk, timezone.now())])
    response = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["max-age"] > 365 * 24 * 3600 and cookie["httponly"]
    record = Attendance.objects.get(person=room.learner)
    assert record.device_id == cookie.value and "iPhone" in record.user_agent


def test_an_expired_code_is_refused_on_the_phone(client, room):
    session = started(room)
    client.force_login(room.learner.user)
    old = tokens.make_token(session.pk, timezone.now() - dt.timedelta(seconds=61))
    body = client.get(reverse("attendance:checkin", args=[session.pk, old])).content.decode()
    assert 'data-result="refused"' in body and not Attendance.objects.exists()


def test_someone_not_enrolled_is_told_so_on_the_phone(client, room):
    session = started(room)
    client.force_login(room.stranger.user)
    body = client.get(reverse("attendance:checkin", args=[session.pk, tokens.make_token(session.pk, timezone.now())]
                              )).content.decode()
    assert 'data-result="refused"' in body and not Attendance.objects.exists()


def test_a_learner_not_signed_in_logs_in_and_is_checked_in_at_the_time_of_the_scan(client, room):
    session = started(room)
    url = reverse("attendance:checkin", args=[session.pk, tokens.make_token(session.pk, timezone.now())])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    from urllib.parse import parse_qs, urlsplit

    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    client.force_login(room.learner.user)
    body = client.get(next_url).content.decode()
    assert 'data-result="present"' in body


def test_my_attendance_lists_my_sessions(client, room):
    started(room)
    services.mark(session=room.session, person=room.learner, status="excused", reason="病假")
    client.force_login(room.learner.user)
    body = client.get(reverse("attendance:my")).content.decode()
    assert room.session.course.title in body and "病假" in body


def test_importing_a_file_from_the_page(client, room):
    started(room)
    client.force_login(room.trainer.user)
    book = Workbook()
    book.active.append(["工号", "状态", "原因"])
    book.active.append(["RD-0007", "迟到", ""])
    book.active.append(["RD-0008", "请假", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    url = reverse("attendance:import", args=[room.session.pk])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("考勤.xlsx", buffer.getvalue())})
    assert response.status_code == 200 and "import-errors" in response.content.decode()
    assert not Attendance.objects.exists()
    book.active["C3"] = "病假"
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(url, {"file": SimpleUploadedFile("考勤.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    assert Attendance.objects.count() == 2


def test_the_import_template_downloads(client, room):
    client.force_login(room.trainer.user)
    response = client.get(reverse("attendance:import_template", args=[room.session.pk]))
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_the_roster_takes_as_many_queries_for_forty_people_as_for_three(client, room, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jifen.learning.attendance.tests.factories import enrol_in

    started(room)
    client.force_login(room.trainer.user)
    services.mark(session=room.session, person=room.learner, status="absent")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("attendance:roster", args=[room.session.pk]))
    for n in range(37):
        person = org.person(unit=org.platform, no=f"RD-1{n:03d}")
        enrol_in(room.session, person)
        services.mark(session=room.session, person=person, status="absent" if n % 2 else "present")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("attendance:roster", args=[room.session.pk]))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_my_attendance_takes_a_fixed_number_of_queries(client, room, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started(room)
    client.force_login(room.learner.user)
    services.mark(session=room.session, person=room.learner, status="present")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("attendance:my"))
    for _n in range(5):
        session = make_session(org_unit=org.platform, trainer=room.trainer, enrol=[room.learner],
                               starts_at=timezone.now() - dt.timedelta(minutes=5))
        services.mark(session=session, person=room.learner, status="absent")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("attendance:my"))
    assert len(many.captured_queries) == len(few.captured_queries)
