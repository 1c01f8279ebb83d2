"""On PostgreSQL, many writers at once: the ledger's row locks and UNIQUE keys hold."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from jifen.ledger import services, standings
from jifen.ledger.engine import InsufficientBalance, Posting
from jifen.ledger.models import Account, Currency, Entry, ExpiryPolicy, Standing
from jifen.ledger.verify import verify_all

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"),
]
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def run_together(count: int, work) -> list:
    """Start ``count`` threads that begin at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_event_sent_by_eight_systems_at_once_posts_once(org):
    person = org.person()
    results = run_together(8, lambda i: services.award(
        person=person, currency=Currency.POINTS, amount=5, key="att-20260301-E0001", reason="出勤", now=NOW))
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == 1
    assert Entry.objects.count() == 1
    assert Account.objects.get(person=person).balance == Decimal("5.00")
    assert standings.problems() == []


def test_many_awards_to_the_same_people_at_once_add_up_on_the_leaderboard(org):
    """Twelve writers award points to the same three people in the same new month: every award lands in
    the standings exactly once (the first one of each person and period creates the row, the rest add)."""
    people = [org.person() for _ in range(3)]
    results = run_together(12, lambda i: services.post_many([
        services.Request(person.pk, Currency.POINTS, Posting(
            kind="award", amount=Decimal(i + 1), key=f"race-{i}-{person.pk}", occurred_at=NOW, reason="出勤"))
        for person in (people if i % 2 else people[::-1])], now=NOW))
    assert all(not isinstance(r, Exception) for r in results), results
    expected = Decimal(sum(range(1, 13)))
    assert set(Standing.objects.filter(period="month").values_list("points", flat=True)) == {expected}
    assert standings.problems() == [] and [str(p) for p in verify_all()] == []


def test_concurrent_spends_never_overdraw(org):
    person = org.person()
    services.award(person=person, currency=Currency.POINTS, amount=50, key="a1", reason="奖励", now=NOW)
    results = run_together(12, lambda i: services.spend(person=person, amount=10, key=f"order-{i}",
                                                          reason="兑换", now=NOW))
    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(succeeded) == 5 and len(refused) == 7
    assert Account.objects.get(person=person).balance == Decimal("0.00")
    assert [str(p) for p in verify_all()] == [] and standings.problems() == []


def test_a_spend_racing_expiry_loses_nothing_and_counts_nothing_twice(org):
    person = org.person()
    services.award(person=person, currency=Currency.POINTS, amount=30, key="a-old", reason="奖励", now=NOW,
                   expiry=(ExpiryPolicy.ROLLING, 1))
    services.award(person=person, currency=Currency.POINTS, amount=20, key="a-new", reason="奖励", now=NOW,
                   expiry=(ExpiryPolicy.NEVER, 0))
    later = NOW + dt.timedelta(days=40)

    def work(i):
        if i % 2:
            return services.expire_due_lots(now=later)
        return services.spend(person=person, amount=15, key=f"order-{i}", reason="兑换", now=later)

    results = run_together(6, work)
    spends = [r for i, r in enumerate(results) if i % 2 == 0 and not isinstance(r, Exception)]
    # 30 expired whichever came first; only the 20 that never expire could be spent: one spend of 15.
    assert len(spends) == 1
    assert Entry.objects.filter(kind="expiry").count() == 1
    assert Account.objects.get(person=person).balance == Decimal("5.00")
    assert [str(p) for p in verify_all()] == []
