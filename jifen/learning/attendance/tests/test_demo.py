"""The demo: attendance for past sessions, once."""

import datetime as dt

from django.utils import timezone

from jifen.learning.attendance import demo
from jifen.learning.attendance.models import Attendance, AttendanceClosure
from jifen.learning.attendance.tests.factories import make_session
from jifen.rules.models import Event


def test_without_past_sessions_the_demo_creates_nothing(org):
    assert demo.build_demo() == {"sessions": 0, "records": 0, "makeups": 0}
    assert not Attendance.objects.exists()


def test_past_sessions_get_attendance_once(org):
    trainer = org.person(unit=org.platform, no="JF0005")
    people = [org.person(unit=org.platform, no=f"JF{n:04d}") for n in range(10, 30)]
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=20)
    past = make_session(org_unit=org.platform, trainer=trainer, starts_at=start, enrol=people)
    make_session(org_unit=org.platform, trainer=trainer, starts_at=timezone.now() + dt.timedelta(days=3),
                 enrol=people)
    made = demo.build_demo()
    assert made["sessions"] == 1
    assert Attendance.objects.filter(session=past).count() == 20
    assert AttendanceClosure.objects.filter(session=past).exists()
    statuses = set(Attendance.objects.values_list("status", flat=True))
    assert "present" in statuses and len(statuses) >= 2  # a mix, drawn at random per session
    events = Event.objects.count()
    assert demo.build_demo()["sessions"] == 0
    assert Event.objects.count() == events
