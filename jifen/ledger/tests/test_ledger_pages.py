"""What learners and staff see of the ledger: each line says why, staff search within their scope."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.catalog.models import Course
from jifen.org.models import Role
from jifen.rules.services import record_event

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


def attend(number: str, key: str, course: str | None = None):
    return record_event(key=key, type="attendance.present", person=number, occurred_at=AT, course=course, now=AT)


def test_each_line_of_my_history_names_the_fact_and_course_behind_it(client, learner):
    Course.objects.create(code="SAFE-01", title="安全生产")
    attend("E0001", "att-1", "SAFE-01")
    client.force_login(learner.user)
    body = client.get(reverse("ledger:my_points")).content.decode()
    assert "SAFE-01 安全生产" in body and "attendance-present" in body


def test_a_manager_searches_the_ledger_of_their_unit_only(client, org, learner):
    outsider = org.person(unit=org.marketing, no="M0001", name="钱多多")
    attend("E0001", "att-1")
    attend(outsider.employee_no, "att-2")
    manager = org.manager_of(org.rnd, name="陈经理")
    client.force_login(manager.user)
    body = client.get(reverse("ledger:search")).content.decode()
    assert "郑雨桐" in body and "钱多多" not in body


def test_a_learner_cannot_search_the_ledger(client, learner):
    client.force_login(learner.user)
    assert client.get(reverse("ledger:search")).status_code == 403


def test_the_ledger_search_page_makes_the_same_number_of_queries_for_3_or_30_entries(client, org):
    admin = org.person(unit=org.root, role=Role.HR_AUDITOR)
    client.force_login(admin.user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ledger:search")).status_code == 200
        return len(queries)

    people = [org.person(no=f"P{n:03d}") for n in range(30)]
    for person in people[:3]:
        attend(person.employee_no, f"a-{person.employee_no}")
    few = count()
    for person in people[3:]:
        attend(person.employee_no, f"a-{person.employee_no}")
    assert count() == few
