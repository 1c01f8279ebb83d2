"""QR check-in: present or late by the session's times, refused outside them, only for the enrolled."""

from decimal import Decimal

import pytest

from jifen.catalog.models import Enrolment, Session
from jifen.core.errors import ApplicationError
from jifen.learning.attendance import services
from jifen.learning.attendance.models import Attendance, AttendanceStatus, Method
from jifen.learning.attendance.tests.factories import enrol_in
from jifen.learning.attendance.tests.helpers import entries, events, points
from jifen.learning.integrity.models import Case, CaseKind


def scan(room, person, minutes, *, device="", agent="Mozilla/5.0 (iPhone)"):
    moment = room.at(minutes)
    return services.check_in(session=room.session, person=person, scanned_at=moment, device_id=device,
                             user_agent=agent, now=moment)


def test_checking_in_on_time_is_present_and_earns_5_points(room):
    result = scan(room, room.learner, -5)
    assert result.created and result.attendance.status == AttendanceStatus.PRESENT
    assert result.attendance.method == Method.QR
    assert events(room.learner) == [(f"att:{room.session.pk}:{room.learner.pk}", "attendance.present")]
    assert entries(room.learner) == [("award", Decimal(5))]


def test_checking_in_up_to_the_late_limit_is_still_present(room):
    assert scan(room, room.learner, 10).attendance.status == AttendanceStatus.PRESENT


def test_checking_in_after_start_plus_late_after_minutes_is_late_and_earns_nothing(room):
    result = scan(room, room.learner, 10.5)
    assert result.attendance.status == AttendanceStatus.LATE
    assert events(room.learner) == [(f"att:{room.session.pk}:{room.learner.pk}", "attendance.late")]
    assert points(room.learner) == 0  # the default rules have no amount for late


def test_lateness_follows_each_sessions_own_setting(room):
    Session.objects.filter(pk=room.session.pk).update(late_after_minutes=0)
    room.session.refresh_from_db()
    assert scan(room, room.learner, 1).attendance.status == AttendanceStatus.LATE


def test_check_in_is_refused_before_it_opens(room):
    with pytest.raises(ApplicationError) as refused:
        scan(room, room.learner, -31)
    assert refused.value.code == "not_open"
    assert scan(room, room.learner, -30).attendance.status == AttendanceStatus.PRESENT


def test_check_in_is_refused_once_the_session_has_ended(room):
    with pytest.raises(ApplicationError) as refused:
        scan(room, room.learner, 120)
    assert refused.value.code == "ended"
    assert not Attendance.objects.exists()


def test_someone_not_enrolled_cannot_check_in(room):
    with pytest.raises(ApplicationError) as refused:
        scan(room, room.stranger, 0)
    assert refused.value.code == "not_enrolled"
    enrol_in(room.session, room.org.person(unit=room.org.platform, no="RD-0100"), status=Enrolment.Status.WAITLISTED)
    waiting = room.session.enrolments.get(status=Enrolment.Status.WAITLISTED).person
    with pytest.raises(ApplicationError):
        scan(room, waiting, 0)
    assert not Attendance.objects.exists()


def test_a_cancelled_session_takes_no_check_ins(room):
    Session.objects.filter(pk=room.session.pk).update(status=Session.Status.CANCELLED)
    room.session.refresh_from_db()
    with pytest.raises(ApplicationError):
        scan(room, room.learner, 0)


def test_a_closed_attendance_takes_no_more_check_ins(room, org):
    services.close_attendance(session=room.session, now=room.at(60))
    # someone marked absent by closing who scans anyway is shown that record, unchanged
    result = scan(room, room.learner, 61)
    assert not result.created and result.attendance.status == AttendanceStatus.ABSENT
    newcomer = org.person(unit=org.platform, no="RD-0101")
    enrol_in(room.session, newcomer)
    with pytest.raises(ApplicationError) as refused:
        scan(room, newcomer, 61)
    assert refused.value.code == "closed"


def test_scanning_twice_records_and_pays_once(room):
    first = scan(room, room.learner, 0)
    again = scan(room, room.learner, 20)
    assert not again.created and again.attendance.pk == first.attendance.pk
    assert again.attendance.status == AttendanceStatus.PRESENT
    assert points(room.learner) == 5


def test_the_device_and_browser_are_recorded_with_the_check_in(room):
    record = scan(room, room.learner, 0, device="d" * 32, agent="Mozilla/5.0 (Android 14)").attendance
    assert record.device_id == "d" * 32 and record.user_agent == "Mozilla/5.0 (Android 14)"
    assert record.checked_in_at == room.at(0)


def test_three_people_checking_in_on_one_device_open_a_shared_device_case_for_each(room):
    device = "shared-phone-0000000001"
    scan(room, room.learner, 0, device=device)
    scan(room, room.second, 1, device=device)
    assert not Case.objects.exists()  # two people on one phone: a colleague helping, not yet a pattern
    scan(room, room.third, 2, device=device)
    cases = Case.objects.filter(kind=CaseKind.SHARED_DEVICE)
    assert sorted(cases.values_list("person__employee_no", flat=True)) == ["RD-0007", "RD-0008", "RD-0009"]
    case = cases.get(person=room.third)
    assert case.status == Case.Status.OPEN and case.source == Attendance.objects.get(person=room.third)
    assert len(case.details["check_ins"]) == 3 and case.details["session"] == room.session.pk
    assert "郑雨桐" in case.summary
    # nothing is deducted until a reviewer confirms
    assert points(room.learner) == 5


def test_a_fourth_person_on_the_same_device_adds_their_case_without_duplicating_the_others(room, org):
    device = "shared-phone-0000000002"
    fourth = org.person(unit=org.platform, no="RD-0010")
    enrol_in(room.session, fourth)
    for minutes, person in enumerate([room.learner, room.second, room.third, fourth]):
        scan(room, person, minutes, device=device)
    assert Case.objects.filter(kind=CaseKind.SHARED_DEVICE).count() == 4


def test_check_ins_on_different_devices_open_no_case(room):
    for minutes, person in enumerate([room.learner, room.second, room.third]):
        scan(room, person, minutes, device=f"phone-of-person-{person.pk:08d}")
    assert not Case.objects.exists()


def test_a_login_without_a_person_cannot_check_in(room):
    with pytest.raises(ApplicationError):
        services.check_in(session=room.session, person=None, scanned_at=room.at(0), now=room.at(0))
