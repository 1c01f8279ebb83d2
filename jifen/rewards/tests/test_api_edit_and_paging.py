"""Editing a reward over the API with the checks of the page's form (taking it off sale included), and the
order list a page at a time."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.ledger import services as ledger
from jifen.org.models import Role
from jifen.rewards import services
from jifen.rewards.models import Reward, RewardCategory

API = "/api/v1"


@pytest.fixture
def admin(org):
    return org.person(no="A0001", name="林培训", role=Role.TRAINING_ADMIN)


@pytest.fixture
def learner(org):
    person = org.person(no="E0001", name="郑雨桐")
    ledger.award(person=person, currency="points", amount=1000, key="earned", reason="出勤")
    return person


@pytest.fixture
def book(db):
    return Reward.objects.create(code="BOOK-01", name="《学习之道》", category=RewardCategory.MATERIAL,
                                 price=Decimal(50), stock=10)


def test_an_admin_changes_the_price_and_stock_and_the_store_shows_them(client, admin, learner, book):
    client.force_login(admin.user)
    response = send(client, "patch", "/rewards/BOOK-01", {"price": "40", "stock": 3, "name": "《学习之道》第二版"})
    assert response.status_code == 200, response.content
    assert (response.json()["price"], response.json()["stock"], response.json()["code"]) == (40.0, 3, "BOOK-01")
    book.refresh_from_db()
    assert (book.price, book.stock, book.name, book.category) == (Decimal(40), 3, "《学习之道》第二版", "material")
    client.force_login(learner.user)
    assert [(r["name"], r["price"]) for r in send(client, "get", "/rewards").json()] == [("《学习之道》第二版", 40.0)]


def test_taking_a_reward_off_sale_hides_it_from_the_store_and_refuses_orders(client, admin, learner, book):
    client.force_login(admin.user)
    assert send(client, "patch", "/rewards/BOOK-01", {"is_active": False}).json()["is_active"] is False
    client.force_login(learner.user)
    assert send(client, "get", "/rewards").json() == []
    refused = send(client, "post", "/redemptions", {"reward": "BOOK-01", "key": "after-off"})
    assert refused.status_code == 409
    client.force_login(admin.user)
    assert send(client, "patch", "/rewards/BOOK-01", {"is_active": True}).json()["is_active"] is True


def test_an_end_before_the_start_is_refused_as_on_the_page(client, admin, book):
    client.force_login(admin.user)
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    body = is_problem(send(client, "patch", "/rewards/BOOK-01", {
        "active_from": start.isoformat(), "active_to": (start - dt.timedelta(days=1)).isoformat()}), 400)
    assert body["field"] == "active_to"
    assert body["detail"] == gettext("The end must come after the start.")
    book.refresh_from_db()
    assert book.active_from is None and book.active_to is None


def test_a_subtree_admin_may_limit_a_reward_to_their_units_only(client, org, book):
    subtree = org.person(no="RD-A001", role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(subtree.user)
    limited = send(client, "patch", "/rewards/BOOK-01", {"units": [org.platform.pk]})
    assert limited.status_code == 200 and limited.json()["units"] == [org.platform.pk]
    assert list(book.units.all()) == [org.platform]
    body = is_problem(send(client, "patch", "/rewards/BOOK-01", {"units": [org.marketing.pk]}), 400)
    assert body["field"] == "units"
    assert list(book.units.all()) == [org.platform]
    assert send(client, "patch", "/rewards/BOOK-01", {"stock": 7}).status_code == 200  # units left as they are
    assert list(book.units.all()) == [org.platform]


def test_the_code_of_a_reward_never_changes_and_an_unknown_one_is_not_found(client, admin, book):
    client.force_login(admin.user)
    send(client, "patch", "/rewards/BOOK-01", {"code": "NEW"})
    assert Reward.objects.filter(code="BOOK-01").exists() and not Reward.objects.filter(code="NEW").exists()
    is_problem(send(client, "patch", "/rewards/NOPE", {"stock": 1}), 404)


def test_a_learner_cannot_edit_a_reward(client, learner, book):
    client.force_login(learner.user)
    is_problem(send(client, "patch", "/rewards/BOOK-01", {"price": "1"}), 403)
    book.refresh_from_db()
    assert book.price == Decimal(50)


def test_editing_a_reward_needs_a_token_with_admin_scope(client, admin, book):
    body = is_problem(send(client, "patch", "/rewards/BOOK-01", {"stock": 1}, **bearer(admin.user, "write")), 403)
    assert body["required_scope"] == "admin"
    assert send(client, "patch", "/rewards/BOOK-01", {"stock": 1}, **bearer(admin.user, "admin")).status_code == 200


def test_orders_come_a_page_at_a_time_newest_first_with_the_status_filter_kept(client, admin, learner, book):
    book.stock = None
    book.save()
    made = [services.redeem(reward=book, person=learner, key=f"o{n}").redemption for n in range(5)]
    services.cancel(redemption=made[0], by=learner.user)
    client.force_login(admin.user)
    first = client.get(f"{API}/redemptions", {"limit": 2, "status": "pending"})
    assert first.status_code == 200, first.content
    page = first.json()
    assert page["count"] == 4 and [o["key"] for o in page["items"]] == ["o4", "o3"]
    assert 'rel="next"' in first["Link"] and "status=pending" in first["Link"]
    second = client.get(f"{API}/redemptions", {"limit": 2, "status": "pending", "cursor": page["next"]}).json()
    assert [o["key"] for o in second["items"]] == ["o2", "o1"] and second["next"] is None
    client.force_login(learner.user)
    mine = client.get(f"{API}/redemptions", {"status": "cancelled"}).json()
    assert [o["key"] for o in mine["items"]] == ["o0"]


def test_a_tampered_cursor_is_a_problem(client, learner, book):
    client.force_login(learner.user)
    body = is_problem(client.get(f"{API}/redemptions", {"cursor": "not-a-cursor"}), 400)
    assert body["field"] == "cursor"


def test_someone_elses_order_never_shows_in_my_list(client, org, learner, book):
    other = org.person(no="E0002")
    ledger.award(person=other, currency="points", amount=100, key="other", reason="出勤")
    services.redeem(reward=book, person=other, key="theirs")
    client.force_login(learner.user)
    assert json.loads(client.get(f"{API}/redemptions").content)["count"] == 0
