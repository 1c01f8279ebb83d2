"""Catalog test data through the real services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import Course, CourseKind, EnrolmentMode, Session
from jifen.rules.models import Event, EventType

_numbers = itertools.count(1)


def course(*, code: str | None = None, title: str | None = None, credits=4, kind=CourseKind.ELECTIVE,
           category=None, prerequisites=(), recertify_months=None, **extra) -> Course:
    n = next(_numbers)
    return services.course_create(code=code or f"C{n:03d}", title=title or f"课程{n}", credits=Decimal(credits),
                                  kind=kind, category=category, prerequisites=prerequisites,
                                  recertify_months=recertify_months, **extra)


def session(*, course: Course, unit, starts_in_days: float = 7, capacity=None, mode=EnrolmentMode.SELF,
            trainer=None, now: dt.datetime | None = None, **extra) -> Session:
    now = now or timezone.now()
    starts = now + dt.timedelta(days=starts_in_days)
    return services.session_create(course=course, org_unit=unit, starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=3), capacity=capacity,
                                   enrolment_mode=mode, trainer=trainer, **extra)


def completed(*, person, course: Course, at: dt.datetime | None = None) -> Event:
    """A ``course.completed`` fact, as the learning apps record it (without going through the rules)."""
    at = at or timezone.now() - dt.timedelta(days=30)
    return Event.objects.create(key=f"test-done:{course.pk}:{person.pk}:{at.timestamp()}",
                                type=EventType.COURSE_COMPLETED, person=person, course=course, occurred_at=at,
                                recorded_at=at)
