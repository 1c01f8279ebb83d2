"""The catalog API: browse courses and sessions, enrol and cancel oneself, and the learning gap."""

import datetime as dt

import pytest
from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import CourseKind, Enrolment
from jifen.catalog.tests.factories import course, session
from jifen.org.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_courses_can_be_listed_searched_and_read_by_code(client, org):
    client.force_login(org.person().user)
    basics = course(code="PY-101", title="Python 入门")
    course(code="PY-201", title="Python 进阶", prerequisites=[basics], recertify_months=24)
    course(code="COMM-01", title="沟通技巧")
    found = client.get(f"{API}/courses", {"q": "Python"}).json()
    assert [c["code"] for c in found] == ["PY-101", "PY-201"]
    detail = client.get(f"{API}/courses/PY-201").json()
    assert detail["prerequisites"] == ["PY-101"] and detail["recertify_months"] == 24
    assert client.get(f"{API}/courses/NOPE").status_code == 404


def test_sessions_list_shows_seats_taken(client, org):
    client.force_login(org.person().user)
    run = session(course=course(code="COMM-01"), unit=org.rnd, capacity=2)
    services.enrolment_self(session=run, person=org.person())
    items = client.get(f"{API}/sessions", {"course": "COMM-01"}).json()
    assert [(s["id"], s["enrolled"], s["capacity"]) for s in items] == [(run.pk, 1, 2)]
    assert client.get(f"{API}/sessions/{run.pk}").json()["course"] == "COMM-01"


def test_a_learner_enrols_lists_and_cancels_through_the_api(client, org):
    learner = org.person()
    client.force_login(learner.user)
    run = session(course=course(), unit=org.rnd, capacity=1)
    response = client.post(f"{API}/sessions/{run.pk}/enrolments")
    assert response.status_code == 201 and response.json()["status"] == "enrolled"
    again = client.post(f"{API}/sessions/{run.pk}/enrolments")
    assert again.status_code == 400 and again["Content-Type"] == "application/problem+json"
    mine = client.get(f"{API}/enrolments/mine").json()
    assert [e["session_id"] for e in mine] == [run.pk]
    cancelled = client.post(f"{API}/enrolments/{mine[0]['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_someone_elses_enrolment_cannot_be_cancelled_through_the_api(client, org):
    run = session(course=course(), unit=org.rnd)
    other = services.enrolment_self(session=run, person=org.person())
    client.force_login(org.person().user)
    assert client.post(f"{API}/enrolments/{other.pk}/cancel").status_code == 404
    assert Enrolment.objects.get(pk=other.pk).status == "enrolled"


def test_the_learning_gap_is_scope_checked_and_names_overdue_required_courses(client, org):
    person = org.person(unit=org.platform, no="RD-0001", name="郑雨桐")
    outsider = org.person(unit=org.marketing, no="MK-0001")
    manager = org.manager_of(org.rnd)
    safety = course(code="SAFE-01", title="安全生产", kind=CourseKind.REQUIRED)
    services.assignment_create(course=safety, org_unit=org.rnd, due_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(manager.user)
    gap = client.get(f"{API}/people/RD-0001/learning-gap").json()
    assert gap["target"] == 150 and gap["missing"] == 150 and gap["required_minimum"] == 60
    assert [line["course"] for line in gap["overdue"]] == ["SAFE-01"]
    assert client.get(f"{API}/people/{outsider.employee_no}/learning-gap").status_code == 404
    client.force_login(person.user)
    assert client.get(f"{API}/people/RD-0001/learning-gap").status_code == 200
    assert client.get(f"{API}/people/{manager.employee_no}/learning-gap").status_code == 404


def test_a_login_without_a_person_record_cannot_enrol(client, org):
    admin = org.system_admin()
    client.force_login(admin)
    run = session(course=course(), unit=org.rnd)
    assert client.post(f"{API}/sessions/{run.pk}/enrolments").status_code == 403
    assert client.get(f"{API}/enrolments/mine").json() == []
    assert Role.SYSTEM_ADMIN  # (the role the matrix covers in full)
