"""A commit's queries do not grow with its rows: people, sessions and records are read for the whole
file at once, and new records and their events written in bulk."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.imports.tests.helpers import commit, xlsx
from jifen.learning.attendance.models import Participation
from jifen.learning.attendance.tests.factories import enrol_in, make_session
from jifen.rules.models import Event


@pytest.fixture
def big_session(school):
    learners = [school.org.person(unit=school.org.platform, no=f"BIG-{n:04d}", name=f"学员{n}") for n in range(500)]
    session = make_session(org_unit=school.org.platform, trainer=school.trainer,
                           starts_at=school.now - dt.timedelta(hours=2))
    for person in learners:
        enrol_in(session, person)
    return session, [p.employee_no for p in learners]


def _queries(school, session, numbers) -> tuple[int, int]:
    """(reads and updates, inserts) of one commit."""
    data = xlsx(("工号", "场次编号", "参与度"), *[(no, session.pk, "积极") for no in numbers])
    with CaptureQueriesContext(connection) as captured:
        commit("participation", data, school.trainer)
    inserts = sum(1 for q in captured if q["sql"].lstrip().upper().startswith(("INSERT", "COPY", "WITH V(")))
    return len(captured) - inserts, inserts


def test_importing_300_rows_takes_as_many_queries_as_200(school, big_session):
    session, numbers = big_session
    _queries(school, session, numbers[:1])  # caches (content types) warmed
    # From 200 events the intake writes with COPY on PostgreSQL: both sizes take that path.
    few, few_inserts = _queries(school, session, numbers[1:201])
    many, many_inserts = _queries(school, session, numbers[201:])
    assert Participation.objects.count() == 500 and Event.objects.count() == 500
    assert many == few, (few, many)
    # Bulk writes are split only where the database limits the parameters of one statement (SQLite:
    # 999, about a hundred rows); PostgreSQL writes the events and entries with COPY.
    if connection.vendor == "postgresql":
        assert many_inserts == few_inserts, (few_inserts, many_inserts)
    else:
        assert many_inserts <= few_inserts + 299 // 15, (few_inserts, many_inserts)

