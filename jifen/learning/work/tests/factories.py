"""Courses, sessions, enrolments and files for homework, claims and contributions tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from jifen.catalog.models import Course, Enrolment, Session

_numbers = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def course(*, code: str | None = None, title: str = "沟通技巧", credits: Decimal = Decimal(2)) -> Course:
    n = next(_numbers)
    return Course.objects.create(code=code or f"C{n:04d}", title=title, credits=credits)


def session(*, unit, trainer=None, of_course: Course | None = None, starts_at: dt.datetime | None = None,
            learners=()) -> Session:
    starts_at = starts_at or dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    found = Session.objects.create(course=of_course or course(), org_unit=unit, trainer=trainer, starts_at=starts_at,
                                   ends_at=starts_at + dt.timedelta(hours=3))
    for person in learners:
        Enrolment.objects.create(session=found, person=person)
    return found


def text_file(content: str = "学习心得", name: str = "心得.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def png(tag: str = "", name: str = "证书.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + tag.encode(), content_type="image/png")
