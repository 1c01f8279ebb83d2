"""The ledger in the learners' and auditors' terms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, transaction

from jifen.core.errors import ApplicationError
from jifen.ledger import services
from jifen.ledger.engine import InsufficientBalance
from jifen.ledger.models import Account, Currency, Entry, ExpiryPolicy, Lot
from jifen.ledger.verify import verify_all

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
D = Decimal


def balance(person, currency=Currency.POINTS) -> Decimal:
    return Account.objects.get(person=person, currency=currency).balance


def award(person, amount, key, **kw):
    kw.setdefault("now", NOW)
    return services.award(person=person, currency=Currency.POINTS, amount=amount, key=key,
                          reason="出勤 +5", **kw)


@pytest.fixture
def learner(org):
    return org.person(name="郑雨桐")


def assert_verifies():
    problems = [str(p) for p in verify_all()]
    assert problems == []


def test_an_award_raises_the_balance_and_opens_a_lot(learner):
    award(learner, 5, "att-1")
    assert balance(learner) == D("5.00")
    assert Lot.objects.get().remaining == D("5.00")
    assert_verifies()


def test_the_same_key_twice_posts_once(learner):
    first = award(learner, 5, "att-1")
    second = award(learner, 5, "att-1")
    assert first.created and not second.created
    assert second.entry.pk == first.entry.pk
    assert balance(learner) == D("5.00")


def test_the_idempotency_key_is_unique_in_the_database(learner):
    entry = award(learner, 5, "att-1").entry
    clone = Entry(account=entry.account, seq=99, kind="award", amount=1, balance_after=1,
                  idempotency_key="att-1", occurred_at=NOW, posted_at=NOW, reason="x", hash="f" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_spending_takes_from_the_lots_that_expire_first(learner):
    award(learner, 10, "a-late", expiry=(ExpiryPolicy.ROLLING, 12))
    award(learner, 10, "a-soon", expiry=(ExpiryPolicy.ROLLING, 1))
    services.spend(person=learner, amount=15, key="order-1", reason="兑换图书", now=NOW)
    lots = {lot.entry.idempotency_key: lot.remaining for lot in Lot.objects.select_related("entry")}
    assert lots == {"a-soon": D("0.00"), "a-late": D("5.00")}
    assert_verifies()


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(learner):
    award(learner, 10, "a1")
    with pytest.raises(InsufficientBalance):
        services.spend(person=learner, amount=11, key="order-1", reason="兑换", now=NOW)
    assert balance(learner) == D("10.00")
    assert not Entry.objects.filter(idempotency_key="order-1").exists()


def test_a_penalty_larger_than_the_balance_leaves_a_debt_that_later_awards_repay_first(learner):
    award(learner, 5, "a1")
    services.penalize(person=learner, currency=Currency.POINTS, amount=10, key="absent-1", reason="缺勤 -10",
                      now=NOW)
    assert balance(learner) == D("-5.00")
    assert not Lot.objects.filter(remaining__gt=0).exists()
    award(learner, 8, "a2")
    assert balance(learner) == D("3.00")
    assert Lot.objects.get(entry__idempotency_key="a2").amount == D("3.00")
    with pytest.raises(InsufficientBalance):
        services.spend(person=learner, amount=4, key="o", reason="兑换", now=NOW)
    assert_verifies()


def test_points_expire_at_year_end_and_cannot_then_be_spent(learner):
    award(learner, 10, "a1", expiry=(ExpiryPolicy.YEAR_END, 0))
    new_year = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(InsufficientBalance):
        services.spend(person=learner, amount=1, key="o", reason="兑换", now=new_year)
    # The failed spend rolled back, expiry included: the job writes it.
    assert services.expire_due_lots(now=new_year) == 1
    assert balance(learner) == D("0.00")
    assert Entry.objects.filter(kind="expiry").count() == 1
    assert services.expire_due_lots(now=new_year) == 0
    assert_verifies()


def test_a_reversal_is_a_new_entry_pointing_at_the_one_it_undoes(learner):
    entry = award(learner, 10, "a1").entry
    reversal = services.reverse(entry=entry, key="rev-a1", reason="误记", now=NOW).entry
    assert reversal.reverses_id == entry.pk and reversal.amount == D("-10.00")
    assert balance(learner) == D("0.00")
    with pytest.raises(ApplicationError):
        services.reverse(entry=entry, key="rev-a1-again", reason="again", now=NOW)
    assert_verifies()


def test_reversing_a_spend_gives_the_points_back_to_the_same_lots(learner):
    award(learner, 10, "a1", expiry=(ExpiryPolicy.ROLLING, 6))
    spent = services.spend(person=learner, amount=7, key="o1", reason="兑换", now=NOW).entry
    services.reverse(entry=spent, key="rev-o1", reason="订单取消", now=NOW)
    lot = Lot.objects.get()
    assert lot.remaining == D("10.00")
    assert_verifies()


def test_a_refund_restores_a_spend_once(learner):
    award(learner, 10, "a1")
    spent = services.spend(person=learner, amount=6, key="o1", reason="兑换", now=NOW).entry
    assert services.refund(spend_entry=spent, reason="订单驳回", now=NOW).created
    assert not services.refund(spend_entry=spent, reason="订单驳回", now=NOW).created
    assert balance(learner) == D("10.00")
    assert_verifies()


def test_entries_cannot_be_updated_in_the_database(learner):
    entry = award(learner, 10, "a1").entry
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount=1000)


def test_verify_names_the_account_and_entry_that_were_tampered_with(learner, settings):
    award(learner, 10, "a1")
    award(learner, 5, "a2")
    # Tamper behind the ledger's back: as a DBA might, with the trigger out of the way.
    from django.db import connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off, superuser only
        else:
            cursor.execute("DROP TRIGGER ledger_entry_append_only")
        cursor.execute("UPDATE ledger_entry SET reason = 'changed' WHERE idempotency_key = 'a1'")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    problems = [str(p) for p in verify_all()]
    assert any("entry #1" in p and "altered" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("verify")


def test_credits_cannot_be_spent(learner):
    services.award(person=learner, currency=Currency.CREDITS, amount=2, key="c1", reason="课程完成",
                   credit_type="required", now=NOW)
    with pytest.raises(ApplicationError):
        services.post_many([services.Request(learner.pk, Currency.CREDITS, services.Posting(
            kind="spend", amount=D(-1), key="x", occurred_at=NOW, reason="x", must_cover=True))], now=NOW)
    assert balance(learner, Currency.CREDITS) == D("2.00")
