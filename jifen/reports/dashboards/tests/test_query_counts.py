"""Every dashboard asks the database the same number of questions for 3 people as for 30: the figures are
summed in SQL, never per person."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jifen.catalog.models import Course, CourseAssignment, CourseKind
from jifen.learning.attendance.models import Attendance
from jifen.org.models import Role
from jifen.reports.dashboards.tests.factories import credits, months_ago, points
from jifen.rewards.models import Reward
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.tests import factories


class Company:
    def __init__(self, org):
        self.org = org
        self.count = 0
        self.people = []
        self.learner = org.person(unit=org.platform, name="郑雨桐")
        self.manager = org.person(unit=org.rnd, role=Role.MANAGER, scope=org.rnd)
        self.admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
        self.auditor = org.person(unit=org.rnd, role=Role.HR_AUDITOR)
        course = Course.objects.create(code="REQ1", title="安全", kind=CourseKind.REQUIRED, credits=2)
        CourseAssignment.objects.create(course=course, org_unit=org.rnd, due_on=timezone.localdate())
        Reward.objects.create(code="BOOK", name="书", category="material", price=100, stock=2)

    def grow(self, to: int):
        """Up to ``to`` more people, each with points in three months, credits, a session attended and
        follow-up tasks for the manager."""
        year = timezone.localdate().year
        new = []
        while len(self.people) < to:
            n = len(self.people)
            unit = self.org.platform if n % 2 else self.org.marketing
            person = self.org.person(unit=unit, manager=self.manager)
            points(person, 10 + n, rule=f"规则{n % 4}")
            points(person, 5, rule="出勤", at=months_ago(1))
            points(person, 7, rule="出勤", at=months_ago(12))
            credits(person, n + 1, required=bool(n % 3))
            self.people.append(person)
            new.append(person)
        session = factories.session(unit=self.org.rnd, learners=new, ends_on=dt.date(year, 3, 6))
        for person in new:
            Attendance.objects.create(session=session, person=person, status="present", method="manual",
                                      recorded_at=timezone.now(), changed_at=timezone.now(),
                                      event_key=f"count-{session.pk}-{person.pk}")
        followup.plan_create(template=followup.default_template(), session=session)
        points(self.learner, 1)


def queries(client, user, url: str) -> int:
    client.force_login(user)
    client.get(url)  # settings rows made on first use are not part of the count
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)



URLS = [
    ("learner", "/"), ("learner", "/api/v1/dashboards/me"),
    ("manager", "/dashboards/team/"), ("manager", "/api/v1/dashboards/team"),
    ("admin", "/dashboards/training/"), ("admin", "/api/v1/dashboards/training"),
    ("auditor", "/dashboards/economy/"), ("auditor", "/api/v1/dashboards/economy"),
    ("admin", "/dashboards/economy/"),
]


@pytest.mark.parametrize(("who", "url"), URLS)
def test_a_dashboard_asks_as_many_queries_for_thirty_people_as_for_three(client, org, who, url):
    company = Company(org)
    user = getattr(company, who).user
    company.grow(3)
    small = queries(client, user, url)
    company.grow(30)
    assert queries(client, user, url) == small


def test_the_urls_counted_are_the_dashboards():
    assert {url for _who, url in URLS} >= {reverse("core:home"), reverse("dashboards:team"),
                                            reverse("dashboards:training"), reverse("dashboards:economy")}
