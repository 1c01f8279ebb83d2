"""Make-up study (补学): a missed session replaced by assigned online study."""

import datetime as dt

import pytest

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.learning.attendance import services
from jifen.learning.attendance.tests.helpers import events, points


def missed(room, status="absent", reason=""):
    return services.mark(session=room.session, person=room.learner, status=status, reason=reason, now=room.at(30))


def assign(room, record, assignment="SAFE-101", days=7):
    return services.assign_makeup(attendance=record, assignment=assignment,
                                  due_on=(room.at(30) + dt.timedelta(days=days)).date(), actor=room.trainer.user,
                                  now=room.at(30))


def test_an_absence_can_be_made_up_by_an_online_course(room):
    course = Course.objects.create(code="SAFE-101", title="安全生产（线上）")
    makeup = assign(room, missed(room))
    assert makeup.course == course and makeup.completed_at is None


def test_a_lesson_not_in_the_catalog_is_kept_as_text(room):
    makeup = assign(room, missed(room, "excused", "病假"), assignment="第3讲 录播回看")
    assert makeup.course is None and makeup.assignment == "第3讲 录播回看"


def test_only_a_missed_session_can_be_made_up(room):
    present = services.mark(session=room.session, person=room.second, status="present", now=room.at(0))
    with pytest.raises(ApplicationError):
        assign(room, present)


def test_the_due_date_cannot_be_in_the_past(room):
    with pytest.raises(ApplicationError):
        assign(room, missed(room), days=-2)


def test_completing_make_up_earns_nothing_by_default(room, settings):
    settings.JIFEN_MAKEUP_EARNS_ATTENDANCE = False
    makeup = assign(room, missed(room))
    done = services.complete_makeup(makeup=makeup, now=room.at(60 * 24))
    assert done.completed_at == room.at(60 * 24) and done.event_key == ""
    assert points(room.learner) == -10


def test_with_the_setting_on_completing_make_up_records_attendance_present_once(room, settings):
    settings.JIFEN_MAKEUP_EARNS_ATTENDANCE = True
    makeup = assign(room, missed(room))
    services.complete_makeup(makeup=makeup, now=room.at(60 * 24))
    services.complete_makeup(makeup=makeup, now=room.at(60 * 25))
    assert points(room.learner) == -5  # -10 for the absence, +5 for the make-up
    assert events(room.learner)[-1] == (f"att-makeup:{makeup.pk}", "attendance.present")


def test_a_completed_make_up_cannot_be_reassigned(room):
    record = missed(room)
    makeup = assign(room, record)
    services.complete_makeup(makeup=makeup, now=room.at(60))
    with pytest.raises(ApplicationError):
        assign(room, record, assignment="其他课程")


def test_finishing_the_assigned_online_course_completes_the_make_up(room, settings):
    """补学: an absent learner assigned an online course makes up the session by studying it."""
    from jifen.learning.study.models import Progress
    from jifen.learning.study.services import lesson_complete
    from jifen.learning.study.tests.factories import document_lesson

    settings.JIFEN_MAKEUP_EARNS_ATTENDANCE = True
    course = Course.objects.create(code="SAFE-101", title="安全生产（线上）", delivery="online")
    lesson = document_lesson(course, min_seconds=0)
    makeup = assign(room, missed(room))
    Progress.objects.create(lesson=lesson, person=room.learner, seconds=60, started_at=room.at(60))
    lesson_complete(lesson=lesson, person=room.learner, now=room.at(60 * 24))
    makeup.refresh_from_db()
    assert makeup.completed_at is not None
    assert points(room.learner) == -5  # -10 for the absence, +5 for the make-up
