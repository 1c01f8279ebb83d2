import pytest

from jifen.catalog import selectors
from jifen.catalog.demo import build_demo
from jifen.catalog.models import Category, Course, CourseAssignment, Enrolment, Session
from jifen.org.demo import build_demo as build_org
from jifen.org.models import Person
from jifen.rules.demo import build_activity

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_is_built_once_and_gives_the_learner_a_gap_to_close(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_org(people=30)
    build_activity(days=14)
    build_demo()
    counts = (Category.objects.count(), Course.objects.count(), Session.objects.count(), Enrolment.objects.count(),
              CourseAssignment.objects.count())
    build_demo()
    assert (Category.objects.count(), Course.objects.count(), Session.objects.count(), Enrolment.objects.count(),
            CourseAssignment.objects.count()) == counts
    assert Course.objects.count() >= 12
    assert Course.objects.filter(title="Python 入门").exists()
    assert Enrolment.objects.filter(status="waitlisted").exists()
    learner = Person.objects.get(employee_no="JF0007")
    assert selectors.completions(person_ids=[learner.pk])  # past sessions were completed through the rules
    gap = selectors.learning_gap(person=learner)
    assert gap.target == 150
    assert gap.required_courses
