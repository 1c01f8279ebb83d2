"""Seats under concurrency (PostgreSQL): many learners enrolling at once never overfill a session, and
the rest land on the waitlist with distinct places."""

import threading

import pytest
from django.db import close_old_connections, connection

from jifen.catalog import services
from jifen.catalog.models import Enrolment
from jifen.catalog.tests.factories import course, session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_twelve_learners_enrolling_at_once_fill_five_seats_and_wait_in_line(org):
    run = session(course=course(), unit=org.rnd, capacity=5)
    people = [org.person() for _ in range(12)]
    barrier = threading.Barrier(len(people))
    errors = []

    def enrol(person):
        try:
            barrier.wait()
            services.enrolment_self(session=run, person=person)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=enrol, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Enrolment.objects.filter(status="enrolled").count() == 5
    ranks = list(Enrolment.objects.filter(status="waitlisted").values_list("waitlist_rank", flat=True))
    assert sorted(ranks) == list(range(1, 8))
