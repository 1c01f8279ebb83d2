"""Sessions with learners, managers and a trainer, for follow-up tests."""

from __future__ import annotations

import datetime as dt
import itertools

from jifen.catalog.models import Course, Enrolment, Session

_numbers = itertools.count(1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def session(*, unit, trainer=None, learners=(), ends_on: dt.date = dt.date(2026, 3, 6), title: str = "沟通技巧"
            ) -> Session:
    n = next(_numbers)
    course = Course.objects.create(code=f"FU{n:04d}", title=title)
    ends_at = dt.datetime.combine(ends_on, dt.time(17, 0), tzinfo=SHANGHAI)
    found = Session.objects.create(course=course, org_unit=unit, trainer=trainer, starts_at=ends_at - dt.timedelta(hours=6),
                                   ends_at=ends_at)
    for person in learners:
        Enrolment.objects.create(session=found, person=person)
    return found


def team(org, *, size: int = 4, unit=None):
    """A manager (陈经理) with ``size`` people reporting to them, and a trainer."""
    unit = unit or org.platform
    manager = org.person(unit=unit, name="陈经理", role="manager", scope=unit)
    people = [org.person(unit=unit, name=f"学员{i}", manager=manager) for i in range(1, size + 1)]
    trainer = org.person(unit=org.rnd, name="孙讲师", role="trainer")
    return manager, people, trainer
