"""Redeeming rewards, in the users' terms: points are held the moment an order is placed, stock never
oversells, a rejection or cancellation gives both back, and a double click orders once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from jifen.core.errors import ApplicationError
from jifen.ledger import services as ledger
from jifen.ledger.models import Account, Currency, Entry, EntryKind
from jifen.ledger.tests.test_ledger_concurrency import run_together
from jifen.ledger.verify import verify_all
from jifen.rewards import services
from jifen.rewards.models import LimitPeriod, Redemption, RedemptionStatus, Reward, RewardCategory
from jifen.rewards.services import OrderRefused

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
D = Decimal


def give(person, amount, key="earned"):
    ledger.award(person=person, currency=Currency.POINTS, amount=amount, key=f"{key}-{person.pk}", reason="出勤",
                 now=NOW - dt.timedelta(days=1))


def balance(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else D("0.00")


def book(stock=10, price=50, **extra) -> Reward:
    return Reward.objects.create(code=extra.pop("code", "BOOK-01"), name="《高效能人士的七个习惯》",
                                 category=RewardCategory.MATERIAL, price=D(price), stock=stock, **extra)


@pytest.fixture
def learner(org):
    person = org.person(no="E0001", name="郑雨桐")
    give(person, 120)
    return person


@pytest.fixture
def admin(org):
    return org.person(no="A0001", name="林培训", role="training_admin")


def test_an_order_holds_its_stock_and_points_at_once(learner):
    reward = book(stock=3)
    order = services.redeem(reward=reward, person=learner, quantity=2, key="order-1", now=NOW)
    assert order.created and order.redemption.status == RedemptionStatus.PENDING
    assert order.redemption.points == D("100.00")
    assert balance(learner) == D("20.00")
    reward.refresh_from_db()
    assert reward.stock == 1
    spend = order.redemption.spend_entry
    assert (spend.kind, spend.amount) == (EntryKind.SPEND, D("-100.00"))
    assert [str(p) for p in verify_all()] == []


def test_a_double_click_orders_once(learner):
    reward = book()
    first = services.redeem(reward=reward, person=learner, key="order-1", now=NOW)
    again = services.redeem(reward=reward, person=learner, key="order-1", now=NOW)
    assert not again.created and again.redemption.pk == first.redemption.pk
    assert Redemption.objects.count() == 1 and balance(learner) == D("70.00")


def test_an_order_key_cannot_be_reused_for_another_reward(learner):
    services.redeem(reward=book(), person=learner, key="order-1", now=NOW)
    with pytest.raises(ApplicationError) as refused:
        services.redeem(reward=book(code="PEN-01"), person=learner, key="order-1", now=NOW)
    assert refused.value.code == "key_reused"


def test_short_points_refuse_the_order_and_hold_nothing(learner):
    reward = book(price=200)
    with pytest.raises(OrderRefused) as refused:
        services.redeem(reward=reward, person=learner, key="order-1", now=NOW)
    assert refused.value.code == "insufficient_balance"
    reward.refresh_from_db()
    assert reward.stock == 10 and balance(learner) == D("120.00") and not Redemption.objects.exists()


def test_short_stock_refuses_the_order(learner):
    with pytest.raises(OrderRefused) as refused:
        services.redeem(reward=book(stock=1), person=learner, quantity=2, key="order-1", now=NOW)
    assert refused.value.code == "out_of_stock" and balance(learner) == D("120.00")


def test_unlimited_stock_never_runs_out(learner):
    reward = book(stock=None, price=10)
    for n in range(5):
        services.redeem(reward=reward, person=learner, key=f"order-{n}", now=NOW)
    reward.refresh_from_db()
    assert reward.stock is None and balance(learner) == D("70.00")


def test_a_limit_per_person_per_year_counts_open_and_fulfilled_orders_only(learner, admin):
    reward = book(price=10, limit_per_person=2, limit_period=LimitPeriod.YEAR)
    first = services.redeem(reward=reward, person=learner, key="o1", now=NOW).redemption
    services.redeem(reward=reward, person=learner, key="o2", now=NOW)
    with pytest.raises(OrderRefused) as refused:
        services.redeem(reward=reward, person=learner, key="o3", now=NOW)
    assert refused.value.code == "limit_reached"
    services.cancel(redemption=first, by=learner.user, now=NOW)
    services.redeem(reward=reward, person=learner, key="o4", now=NOW)  # a cancelled order frees its place
    next_year = NOW.replace(year=2027)
    give(learner, 10, key="next-year")
    services.redeem(reward=reward, person=learner, key="o5", now=next_year)


def test_a_reward_for_some_departments_is_refused_to_others(org, learner):
    reward = book()
    reward.units.set([org.marketing])
    with pytest.raises(OrderRefused) as refused:
        services.redeem(reward=reward, person=learner, key="o1", now=NOW)
    assert refused.value.code == "not_eligible"
    reward.units.set([org.rnd])  # 研发中心 includes 平台组, where the learner is
    assert services.redeem(reward=reward, person=learner, key="o1", now=NOW).created


def test_a_reward_outside_its_sale_window_is_refused(learner):
    reward = book(active_to=NOW)
    with pytest.raises(OrderRefused):
        services.redeem(reward=reward, person=learner, key="o1", now=NOW)


def test_approve_then_fulfil_gives_a_pickup_code(learner, admin):
    order = services.redeem(reward=book(), person=learner, key="o1", now=NOW).redemption
    services.approve(redemption=order, by=admin.user, now=NOW)
    done = services.fulfil(redemption=order, by=admin.user, note="请到三楼培训室领取", now=NOW)
    assert done.status == RedemptionStatus.FULFILLED and len(done.pickup_code) == 8
    assert balance(learner) == D("70.00")
    with pytest.raises(ApplicationError):
        services.reject(redemption=order, by=admin.user, note="太晚了", now=NOW)


def test_a_rejection_refunds_the_points_and_returns_the_stock(learner, admin):
    reward = book(stock=2)
    order = services.redeem(reward=reward, person=learner, key="o1", now=NOW).redemption
    with pytest.raises(ApplicationError):
        services.reject(redemption=order, by=admin.user, note=" ", now=NOW)
    rejected = services.reject(redemption=order, by=admin.user, note="本月已兑完", now=NOW)
    assert rejected.status == RedemptionStatus.REJECTED and rejected.note == "本月已兑完"
    assert balance(learner) == D("120.00")
    reward.refresh_from_db()
    assert reward.stock == 2
    assert rejected.refund_entry.kind == EntryKind.REFUND and rejected.refund_entry.amount == D("50.00")
    # Rejecting twice (a double click) refunds once.
    services.reject(redemption=order, by=admin.user, note="本月已兑完", now=NOW)
    assert Entry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert [str(p) for p in verify_all()] == []


def test_a_learner_cancels_only_while_the_order_awaits_approval(learner, admin):
    order = services.redeem(reward=book(), person=learner, key="o1", now=NOW).redemption
    services.approve(redemption=order, by=admin.user, now=NOW)
    with pytest.raises(ApplicationError):
        services.cancel(redemption=order, by=learner.user, now=NOW)
    cancelled = services.cancel(redemption=order, by=admin.user, people=type(learner).objects.all(),
                                note="学员离职", now=NOW)
    assert cancelled.status == RedemptionStatus.CANCELLED and balance(learner) == D("120.00")


def test_an_admin_outside_the_learners_department_cannot_handle_the_order(org, learner, admin):
    order = services.redeem(reward=book(), person=learner, key="o1", now=NOW).redemption
    marketing_people = type(learner).objects.filter(org_unit=org.marketing)
    with pytest.raises(ApplicationError) as refused:
        services.approve(redemption=order, by=admin.user, people=marketing_people, now=NOW)
    assert refused.value.code == "out_of_scope"


def test_the_database_refuses_negative_stock(db):
    from django.db import IntegrityError, transaction

    reward = book(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(stock=-1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")
def test_twenty_learners_ordering_five_books_at_once_buy_exactly_five(org):
    """Invariant 6: stock never goes below zero under any number of concurrent redemptions."""
    people = [org.person(no=f"C{n:03d}") for n in range(20)]
    for person in people:
        give(person, 100)
    reward = book(stock=5)
    results = run_together(20, lambda i: services.redeem(reward=reward, person=people[i], key=f"rush-{i}", now=NOW))
    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, OrderRefused)]
    assert len(sold) == 5 and len(refused) == 15, results
    assert {r.code for r in refused} == {"out_of_stock"}
    reward.refresh_from_db()
    assert reward.stock == 0
    assert sum(balance(p) for p in people) == D(20 * 100 - 5 * 50)
    assert [str(p) for p in verify_all()] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")
def test_one_learner_ordering_from_many_tabs_never_overdraws(org):
    person = org.person(no="T001")
    give(person, 120)  # enough for two books of 50, not three
    reward = book(stock=None)
    results = run_together(10, lambda i: services.redeem(reward=reward, person=person, key=f"tab-{i}", now=NOW))
    sold = [r for r in results if not isinstance(r, Exception)]
    assert len(sold) == 2, results
    assert all(isinstance(r, OrderRefused) and r.code == "insufficient_balance" for r in results if r not in sold)
    assert balance(person) == D("20.00")
    assert [str(p) for p in verify_all()] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")
def test_the_same_order_key_from_eight_requests_orders_once(org):
    person = org.person(no="T002")
    give(person, 500)
    reward = book(stock=10)
    results = run_together(8, lambda i: services.redeem(reward=reward, person=person, key="same", now=NOW))
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == 1 and len({r.redemption.pk for r in results}) == 1
    reward.refresh_from_db()
    assert reward.stock == 9 and balance(person) == D("450.00")


def test_a_reward_for_a_minimum_level_waits_until_the_level_is_earned(learner):
    """Levels come from points earned: spending on an order never takes a reached level away."""
    from jifen.recognition.models import Level

    expert = Level.objects.get(min_points=D(300))
    reward = book(price=10)
    reward.min_level = expert
    reward.save()
    with pytest.raises(OrderRefused) as refused:
        services.redeem(reward=reward, person=learner, key="o1", now=NOW)
    assert refused.value.code == "not_eligible"
    give(learner, 200, key="more")  # 120 + 200 = 320 earned this year
    assert services.redeem(reward=reward, person=learner, key="o1", now=NOW).created
