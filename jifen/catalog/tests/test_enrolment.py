"""Enrolment in the users' terms: self-enrolment, approval, the waitlist and its order, prerequisites,
cancellation by the learner or the training department."""

import pytest
from django.utils.translation import gettext

from jifen.catalog import services
from jifen.catalog.models import Enrolment, EnrolmentMode, Session
from jifen.catalog.tests.factories import completed, course, session
from jifen.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_a_learner_enrols_in_an_open_session(org):
    learner = org.person()
    run = session(course=course(), unit=org.rnd, capacity=10)
    enrolment = services.enrolment_self(session=run, person=learner)
    assert enrolment.status == Enrolment.Status.ENROLLED
    assert enrolment.source == Enrolment.Source.SELF


def test_a_full_session_puts_newcomers_on_the_waitlist_in_order_of_arrival(org):
    run = session(course=course(), unit=org.rnd, capacity=2)
    people = [org.person() for _ in range(4)]
    statuses = [services.enrolment_self(session=run, person=p) for p in people]
    assert [e.status for e in statuses] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert [e.waitlist_rank for e in statuses[2:]] == [1, 2]


def test_a_cancellation_promotes_the_first_person_waiting(org):
    run = session(course=course(), unit=org.rnd, capacity=1)
    first, second, third = (org.person() for _ in range(3))
    seat = services.enrolment_self(session=run, person=first)
    services.enrolment_self(session=run, person=second)
    services.enrolment_self(session=run, person=third)

    services.enrolment_cancel(enrolment=seat, by=first.user)

    statuses = dict(Enrolment.objects.values_list("person_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "enrolled", third.pk: "waitlisted"}


def test_the_training_department_can_reorder_the_waitlist(org):
    run = session(course=course(), unit=org.rnd, capacity=1)
    people = [org.person() for _ in range(3)]
    enrolments = [services.enrolment_self(session=run, person=p) for p in people]
    services.waitlist_move(enrolment=enrolments[2], up=True)  # the last one waiting jumps ahead
    services.enrolment_cancel(enrolment=enrolments[0])
    assert Enrolment.objects.get(pk=enrolments[2].pk).status == "enrolled"
    assert Enrolment.objects.get(pk=enrolments[1].pk).status == "waitlisted"


def test_an_admin_cancellation_also_frees_the_seat(org):
    admin = org.person(role="training_admin", scope=org.rnd)
    run = session(course=course(), unit=org.rnd, capacity=1)
    a, b = org.person(), org.person()
    seat = services.enrolment_self(session=run, person=a)
    services.enrolment_self(session=run, person=b)
    services.enrolment_cancel(enrolment=seat, by=admin.user, note="调岗")
    assert Enrolment.objects.get(person=b).status == "enrolled"
    cancelled = Enrolment.objects.get(person=a)
    assert cancelled.decided_by == admin.user and cancelled.note == "调岗"


def test_approval_sessions_wait_for_the_training_department(org):
    run = session(course=course(), unit=org.rnd, capacity=1, mode=EnrolmentMode.APPROVAL)
    a, b = org.person(), org.person()
    first = services.enrolment_self(session=run, person=a)
    second = services.enrolment_self(session=run, person=b)
    assert first.status == second.status == "pending"

    assert services.enrolment_approve(enrolment=first).status == "enrolled"
    assert services.enrolment_approve(enrolment=second).status == "waitlisted"  # the one seat is taken
    rejected = services.enrolment_reject(enrolment=second, note="名额已满")
    assert rejected.status == "rejected"
    with pytest.raises(ApplicationError):
        services.enrolment_self(session=run, person=b)  # a turned-down request is not re-sent by itself


def test_assigned_sessions_refuse_self_enrolment_but_take_assignments(org):
    run = session(course=course(), unit=org.rnd, capacity=2, mode=EnrolmentMode.ASSIGNED)
    people = [org.person() for _ in range(3)]
    with pytest.raises(ApplicationError, match=gettext("Places in this session are assigned by the training department.")):
        services.enrolment_self(session=run, person=people[0])
    made = services.enrolment_assign(session=run, people=people)
    assert sorted(e.status for e in made) == ["enrolled", "enrolled", "waitlisted"]
    assert all(e.source == "assigned" for e in made)
    assert services.enrolment_assign(session=run, people=people) == []  # nobody twice


def test_prerequisites_are_checked_at_self_enrolment(org):
    learner = org.person()
    basics = course(title="Python 入门")
    advanced = course(title="Python 进阶", prerequisites=[basics])
    run = session(course=advanced, unit=org.rnd)
    with pytest.raises(ApplicationError, match="Python 入门"):
        services.enrolment_self(session=run, person=learner)
    completed(person=learner, course=basics)
    assert services.enrolment_self(session=run, person=learner).status == "enrolled"


def test_enrolling_twice_is_refused_and_re_enrolling_after_cancelling_works(org):
    learner = org.person()
    run = session(course=course(), unit=org.rnd)
    first = services.enrolment_self(session=run, person=learner)
    with pytest.raises(ApplicationError):
        services.enrolment_self(session=run, person=learner)
    services.enrolment_cancel(enrolment=first)
    again = services.enrolment_self(session=run, person=learner)
    assert again.pk == first.pk and again.status == "enrolled"


def test_a_session_that_started_or_was_cancelled_takes_no_enrolment(org):
    learner = org.person()
    started = session(course=course(), unit=org.rnd, starts_in_days=-0.01)
    with pytest.raises(ApplicationError, match=gettext("This session has already started; enrolment is closed.")):
        services.enrolment_self(session=started, person=learner)
    run = session(course=course(), unit=org.rnd)
    enrolled = services.enrolment_self(session=run, person=org.person())
    services.session_cancel(session=run)
    assert Session.objects.get(pk=run.pk).status == "cancelled"
    assert Enrolment.objects.get(pk=enrolled.pk).status == "cancelled"
    with pytest.raises(ApplicationError, match=gettext("This session has been cancelled.")):
        services.enrolment_self(session=run, person=learner)


def test_raising_the_capacity_lets_the_waitlist_in(org):
    run = session(course=course(), unit=org.rnd, capacity=1)
    people = [org.person() for _ in range(3)]
    for p in people:
        services.enrolment_self(session=run, person=p)
    services.session_update(session=run, capacity=3)
    assert Enrolment.objects.filter(status="enrolled").count() == 3


def test_a_course_cannot_need_itself_through_its_prerequisites(org):
    a = course()
    b = course(prerequisites=[a])
    with pytest.raises(ApplicationError):
        services.course_update(course=a, prerequisites=[b])
    with pytest.raises(ApplicationError):
        services.course_update(course=a, prerequisites=[a])
