"""The trainer's marks, closing, and corrections that never count a session twice."""

from decimal import Decimal

import pytest

from jifen.core.errors import ApplicationError
from jifen.learning.attendance import services
from jifen.learning.attendance.models import Attendance, AttendanceClosure, AttendanceStatus, Method
from jifen.learning.attendance.tests.helpers import entries, events, points
from jifen.ledger import appeals
from jifen.ledger.models import Entry
from jifen.rules.models import Event


def mark(room, person, status, minutes=30, reason="", actor=None):
    return services.mark(session=room.session, person=person, status=status, reason=reason,
                         actor=actor or room.trainer.user, now=room.at(minutes))


def test_marking_present_earns_5_points(room):
    mark(room, room.learner, "present")
    assert entries(room.learner) == [("award", Decimal(5))]


def test_marking_absent_costs_10_points(room):
    mark(room, room.learner, "absent")
    assert entries(room.learner) == [("penalty", Decimal(-10))]
    assert events(room.learner) == [(f"att:{room.session.pk}:{room.learner.pk}", "attendance.absent")]


def test_an_excused_absence_needs_a_leave_reason_and_costs_nothing(room):
    with pytest.raises(ApplicationError) as refused:
        mark(room, room.learner, "excused")
    assert refused.value.field == "reason"
    record = mark(room, room.learner, "excused", reason="病假（有医院证明）")
    assert record.reason == "病假（有医院证明）"
    assert events(room.learner) == [(f"att:{room.session.pk}:{room.learner.pk}", "attendance.excused")]
    assert points(room.learner) == 0


def test_correcting_absent_to_excused_gives_the_10_points_back_once(room):
    mark(room, room.learner, "absent")
    record = mark(room, room.learner, "excused", reason="事假：家中有事，已提前报备")
    assert points(room.learner) == 0
    assert entries(room.learner) == [("penalty", Decimal(-10)), ("reversal", Decimal(10))]
    reversal = Entry.objects.get(kind="reversal")
    assert reversal.reverses == Entry.objects.get(kind="penalty")
    assert record.revision == 2 and record.event_key == f"att:{room.session.pk}:{room.learner.pk}:r2"
    # the same correction again (a double click, a retried request) changes nothing
    mark(room, room.learner, "excused", reason="事假：家中有事，已提前报备")
    assert Entry.objects.count() == 2 and Event.objects.count() == 2


def test_correcting_absent_to_present_ends_at_plus_5_not_minus_5(room):
    mark(room, room.learner, "absent")
    mark(room, room.learner, "present")
    assert points(room.learner) == 5
    mark(room, room.learner, "absent")
    mark(room, room.learner, "present")
    assert points(room.learner) == 5
    assert Attendance.objects.get(person=room.learner).revision == 4


def test_correcting_a_qr_check_in_keeps_the_check_in_time(room):
    services.check_in(session=room.session, person=room.learner, scanned_at=room.at(0), now=room.at(0))
    record = mark(room, room.learner, "late", minutes=40)
    assert record.checked_in_at == room.at(0) and record.method == Method.MANUAL
    assert points(room.learner) == 0


def test_an_entry_already_reversed_by_an_appeal_is_not_reversed_again(room, org):
    mark(room, room.learner, "absent")
    penalty = Entry.objects.get(kind="penalty")
    appeal = appeals.appeal_create(entry=penalty, raised_by=room.learner.user, reason="那天我在")
    reviewer = org.system_admin()
    appeals.appeal_accept(appeal=appeal, reviewer=reviewer, resolution="reversal", reply="核实无误")
    mark(room, room.learner, "present")
    assert points(room.learner) == 5
    assert Entry.objects.filter(kind="reversal").count() == 1


def test_changing_only_the_leave_reason_posts_nothing(room):
    mark(room, room.learner, "excused", reason="病假")
    mark(room, room.learner, "excused", reason="病假，附医院证明")
    assert Attendance.objects.get(person=room.learner).reason == "病假，附医院证明"
    assert Event.objects.count() == 1


def test_only_people_enrolled_can_be_marked(room):
    with pytest.raises(ApplicationError):
        mark(room, room.stranger, "present")


def test_before_the_session_only_an_excused_absence_can_be_recorded(room):
    with pytest.raises(ApplicationError):
        mark(room, room.learner, "absent", minutes=-120)
    assert mark(room, room.learner, "excused", minutes=-120, reason="出差").status == AttendanceStatus.EXCUSED


def test_closing_marks_everyone_enrolled_without_a_record_absent_at_minus_10(room):
    services.check_in(session=room.session, person=room.learner, scanned_at=room.at(0), now=room.at(0))
    mark(room, room.second, "excused", reason="年假")
    closure = services.close_attendance(session=room.session, actor=room.trainer.user, now=room.at(125))
    assert closure.marked_absent == 1
    third = Attendance.objects.get(person=room.third)
    assert third.status == AttendanceStatus.ABSENT and third.method == Method.CLOSE
    assert points(room.third) == -10 and points(room.learner) == 5 and points(room.second) == 0
    again = services.close_attendance(session=room.session, now=room.at(130))
    assert again.pk == closure.pk and AttendanceClosure.objects.count() == 1
    assert points(room.third) == -10


def test_a_session_cannot_be_closed_before_it_starts(room):
    with pytest.raises(ApplicationError):
        services.close_attendance(session=room.session, now=room.at(-5))


def test_a_correction_after_closing_is_still_counted_once(room):
    services.close_attendance(session=room.session, now=room.at(125))
    mark(room, room.third, "excused", minutes=200, reason="病假")
    assert points(room.third) == 0


def test_active_participation_earns_10_and_passive_costs_5(room):
    services.mark_participation(session=room.session, person=room.learner, level="active", now=room.at(60))
    services.mark_participation(session=room.session, person=room.second, level="passive", now=room.at(60))
    assert points(room.learner) == 10 and points(room.second) == -5
    assert events(room.learner) == [(f"part:{room.session.pk}:{room.learner.pk}", "participation.active")]


def test_changing_participation_from_passive_to_active_counts_once(room):
    services.mark_participation(session=room.session, person=room.learner, level="passive", now=room.at(60))
    services.mark_participation(session=room.session, person=room.learner, level="active", now=room.at(61))
    services.mark_participation(session=room.session, person=room.learner, level="active", now=room.at(62))
    assert points(room.learner) == 10
    assert [k for k, _a in entries(room.learner)] == ["penalty", "reversal", "award"]


def test_participation_is_refused_for_someone_not_enrolled_or_before_the_start(room):
    with pytest.raises(ApplicationError):
        services.mark_participation(session=room.session, person=room.stranger, level="active", now=room.at(60))
    with pytest.raises(ApplicationError):
        services.mark_participation(session=room.session, person=room.learner, level="active", now=room.at(-1))


def test_a_batch_of_marks_is_all_or_nothing(room):
    lines = [services.MarkLine("RD-0007", "出勤", row=1), services.MarkLine("RD-0008", "请假", row=2),
             services.MarkLine("RD-0009", "absent", row=3)]
    with pytest.raises(services.MarksRejected) as rejected:
        services.mark_many(session=room.session, lines=lines, now=room.at(30))
    assert [(e.row, e.field) for e in rejected.value.plan.errors] == [(2, "reason")]
    assert not Attendance.objects.exists() and not Event.objects.exists()
    lines[1].reason = "病假"
    plan = services.mark_many(session=room.session, lines=lines, now=room.at(30))
    assert plan.changes == 3 and points(room.learner) == 5 and points(room.third) == -10
