"""Sessions for attendance tests, made straight in the catalog's tables (the catalog's services are
another app's business)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from jifen.catalog.models import Course, Enrolment, Session

_numbers = itertools.count(1)


def make_session(*, org_unit, trainer=None, starts_at: dt.datetime | None = None, minutes: int = 120,
                 late_after_minutes: int = 10, checkin_opens_minutes: int = 30, course: Course | None = None,
                 enrol=(), title: str = "") -> Session:
    n = next(_numbers)
    course = course or Course.objects.create(code=f"ATT-{n:04d}", title=f"安全生产培训 {n}", credits=2)
    starts_at = starts_at or timezone.now().replace(microsecond=0)
    session = Session.objects.create(
        course=course, title=title, org_unit=org_unit, trainer=trainer, starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes), late_after_minutes=late_after_minutes,
        checkin_opens_minutes=checkin_opens_minutes, place="3楼大会议室",
    )
    for person in enrol:
        enrol_in(session, person)
    return session


def enrol_in(session: Session, person, status: str = Enrolment.Status.ENROLLED) -> Enrolment:
    return Enrolment.objects.create(session=session, person=person, status=status)
