"""Demo attendance: for every past session of the demo (made by the catalog's demo, run first), a
realistic mix of QR check-ins, late arrivals, absences and excused absences, participation marks,
closed attendance, and a make-up assignment for some of those who missed. Idempotent: a session whose
attendance is closed is left alone; without past sessions it creates nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from jifen.catalog.models import Enrolment, Session
from jifen.learning.attendance import services
from jifen.learning.attendance.models import Attendance, AttendanceClosure, AttendanceStatus, MakeUp

LEAVE_REASONS = ["病假", "事假：家中有事", "出差（客户现场）", "年假", "公出：参加行业会议"]
PHONES = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.49",
    "Mozilla/5.0 (Linux; Android 14; HUAWEI Mate 60) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Xiaomi 13) AppleWebKit/537.36 Chrome/118.0 Mobile Safari/537.36 DingTalk/7.5",
]


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {"sessions": 0, "records": 0, "makeups": 0}
    past = (Session.objects.filter(status=Session.Status.PLANNED, ends_at__lt=now)
            .exclude(pk__in=AttendanceClosure.objects.values("session_id"))
            .select_related("course", "trainer__user").order_by("starts_at", "pk"))
    for session in past:
        rng = random.Random(f"jifen-attendance-{session.course.code}-{session.starts_at:%Y%m%d%H%M}")  # noqa: S311
        trainer = session.trainer.user if session.trainer and session.trainer.user_id else None
        enrolled = list(Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED)
                        .select_related("person__user").order_by("person__employee_no"))
        if not enrolled:
            continue
        for enrolment in enrolled:
            person = enrolment.person
            if Attendance.objects.filter(session=session, person=person).exists():
                continue
            roll = rng.random()
            if roll < 0.78:  # scanned the code: mostly before the start, some a little after
                minutes = rng.choice([-12, -8, -5, -3, -1, 2, 6, 9, 14, 22]) if roll < 0.74 else rng.randint(11, 25)
                moment = session.starts_at + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
                services.check_in(session=session, person=person, scanned_at=moment,
                                  device_id=f"demo-device-{person.employee_no.lower()}-0001",
                                  user_agent=rng.choice(PHONES), now=moment)
            elif roll < 0.88:
                services.mark(session=session, person=person, status=AttendanceStatus.EXCUSED,
                              reason=rng.choice(LEAVE_REASONS), actor=trainer, now=session.starts_at)
            # the rest did not come: closing marks them absent
            made["records"] += 1
        for enrolment in enrolled:
            record = Attendance.objects.filter(session=session, person=enrolment.person).first()
            if record is not None and record.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) \
                    and rng.random() < 0.4:
                services.mark_participation(session=session, person=enrolment.person,
                                            level="active" if rng.random() < 0.75 else "passive", actor=trainer,
                                            now=session.ends_at)
        services.close_attendance(session=session, actor=trainer, now=session.ends_at)
        made["sessions"] += 1
        missed = Attendance.objects.filter(session=session, status__in=[AttendanceStatus.ABSENT,
                                                                        AttendanceStatus.EXCUSED]).order_by("pk")
        for record in missed:
            if MakeUp.objects.filter(attendance=record).exists() or rng.random() < 0.4:
                continue
            makeup = services.assign_makeup(
                attendance=record, assignment=f"{session.course.code} 录播回看",
                due_on=max(timezone.localdate(now), (session.ends_at + dt.timedelta(days=14)).date()),
                actor=trainer, now=min(now, session.ends_at + dt.timedelta(days=1)))
            made["makeups"] += 1
            if session.ends_at < now - dt.timedelta(days=10) and rng.random() < 0.5:
                services.complete_makeup(makeup=makeup, now=min(now, session.ends_at + dt.timedelta(days=7)))
    return made
