"""Large batches: a fixed number of queries whatever their size, and the demo's setup."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.catalog.tests.factories import course as make_course
from jifen.xapi import demo
from jifen.xapi.models import ActivityMapping, Outcome, Statement, VerbMapping, XapiClient
from jifen.xapi.tests.conftest import statement


def _post(lrs, count, group):
    batch = [statement(email=f"{group}{i % 20}@example.com") for i in range(count)]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = lrs.post(batch)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return len(queries), elapsed


def test_a_batch_takes_about_the_same_number_of_queries_whatever_its_size(lrs, mapped, org):
    """The rules and the ledger look at each learner once; statements are written in bulk (SQLite splits a bulk
    insert into chunks of its parameter limit: about one more query per 70 statements). Each batch is for 20 other learners."""
    for i in range(20):
        org.person(email=f"p{i}@example.com")
        org.person(email=f"q{i}@example.com")
    small, _ = _post(lrs, 20, "p")
    large, elapsed = _post(lrs, 400, "q")
    print(f"queries: 20 statements {small}, 400 statements {large}; 400 in {elapsed:.2f}s")
    assert large <= small + 30
    assert Statement.objects.filter(outcome=Outcome.POSTED).count() == 420


def test_the_demo_sets_up_a_client_and_mappings_once(db):
    make_course(code="COMP-02")
    key, secret = demo.build_demo()
    assert key and secret
    assert demo.build_demo() is None
    assert XapiClient.objects.count() == 1
    assert VerbMapping.objects.count() == len(demo.VERBS)
    assert ActivityMapping.objects.get().course.code == "COMP-02"
