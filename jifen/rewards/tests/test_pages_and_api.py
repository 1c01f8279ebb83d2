"""The store, my orders and the order queue through the pages and the API, with the shapes other systems
depend on."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from jifen.ledger import services as ledger
from jifen.rewards.models import Redemption, RedemptionStatus, Reward, RewardCategory

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def learner(org):
    person = org.person(no="E0001", name="郑雨桐")
    ledger.award(person=person, currency="points", amount=120, key="earned", reason="出勤")
    return person


@pytest.fixture
def admin(org):
    return org.person(no="A0001", name="林培训", role="training_admin")


@pytest.fixture
def book(db):
    return Reward.objects.create(code="BOOK-01", name="《学习之道》", category=RewardCategory.MATERIAL,
                                 price=Decimal(50), stock=10)


def post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_an_admin_adds_a_reward_over_the_api_and_learners_see_its_stock(client, admin, learner):
    client.force_login(admin.user)
    response = post_json(client, f"{API}/rewards", {"code": "BOOK-01", "name": "《学习之道》", "category": "material",
                                                    "price": 50, "stock": 10, "unit_cost": "45.50"})
    assert response.status_code == 201, response.content
    assert (response.json()["stock"], response.json()["unit_cost"]) == (10, 45.5)
    assert post_json(client, f"{API}/rewards", {"code": "BOOK-01", "name": "x", "category": "material",
                                                "price": 5}).status_code == 409
    client.force_login(learner.user)
    listed = client.get(f"{API}/rewards").json()
    assert [(r["code"], r["stock"], r["price"]) for r in listed] == [("BOOK-01", 10, 50.0)]
    assert listed[0]["unit_cost"] is None  # what it costs the company is not the learner's business


def test_a_learner_orders_over_the_api_and_a_repeated_key_answers_the_first_order(client, learner, book):
    client.force_login(learner.user)
    first = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "quantity": 1, "key": "order-123"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["points"], body["person"]) == ("pending", 50.0, "E0001")
    again = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "quantity": 1, "key": "order-123"})
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Redemption.objects.count() == 1


def test_short_stock_or_balance_is_a_409_with_the_reason(client, learner, book):
    client.force_login(learner.user)
    short = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "quantity": 3, "key": "o1"})
    assert short.status_code == 409
    assert short.json()["code"] == "insufficient_balance"
    assert short.json()["detail"] == gettext("Not enough points: %(available)s available, %(wanted)s needed.") % {
        "available": "120.00", "wanted": "150.00"}
    book.stock = 0
    book.save()
    empty = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "key": "o2"})
    assert empty.status_code == 409 and empty.json()["code"] == "out_of_stock"


def test_a_learner_cannot_order_for_someone_else(client, org, learner, book):
    other = org.person(no="E0002")
    client.force_login(learner.user)
    response = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "key": "o1", "person": "E0002"})
    assert response.status_code == 403
    assert not Redemption.objects.filter(person=other).exists()


def test_the_admin_approves_fulfils_or_rejects_over_the_api(client, learner, admin, book):
    client.force_login(learner.user)
    order_id = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "key": "o1"}).json()["id"]
    second = post_json(client, f"{API}/redemptions", {"reward": "BOOK-01", "key": "o2"}).json()["id"]
    client.force_login(admin.user)
    approved = client.post(f"{API}/redemptions/{order_id}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    fulfilled = post_json(client, f"{API}/redemptions/{order_id}/fulfil", {"note": "三楼培训室领取"}).json()
    assert fulfilled["status"] == "fulfilled" and len(fulfilled["pickup_code"]) == 8
    refused = post_json(client, f"{API}/redemptions/{second}/reject", {"note": ""})
    assert refused.status_code == 400  # a rejection needs its reason
    rejected = post_json(client, f"{API}/redemptions/{second}/reject", {"note": "本月已兑完"}).json()
    assert rejected["status"] == "rejected"
    book.refresh_from_db()
    assert book.stock == 9
    client.force_login(learner.user)
    mine = client.get(f"{API}/redemptions").json()
    assert mine["count"] == 2 and mine["next"] is None
    assert {o["status"] for o in mine["items"]} == {"fulfilled", "rejected"}


def test_the_store_shows_what_a_learner_can_afford_and_orders_once_on_a_double_click(client, learner, book):
    client.force_login(learner.user)
    store = client.get(reverse("rewards:store")).content.decode()
    assert "《学习之道》" in store and "120" in store
    page = client.get(reverse("rewards:reward", args=["BOOK-01"]))
    key = page.context["form"].initial["key"]
    for _click in range(2):
        response = client.post(reverse("rewards:reward", args=["BOOK-01"]), {"quantity": "1", "key": key})
        assert response.status_code == 302
    assert Redemption.objects.count() == 1
    orders = client.get(reverse("rewards:my_orders")).content.decode()
    assert "《学习之道》" in orders and str(RedemptionStatus.PENDING.label) in orders


def test_an_order_refused_for_points_shows_the_reason_and_keeps_the_quantity(client, learner, book):
    client.force_login(learner.user)
    response = client.post(reverse("rewards:reward", args=["BOOK-01"]), {"quantity": "3", "key": "web-1"})
    assert response.status_code == 200
    assert response.context["form"]["quantity"].value() == "3"
    assert gettext("Not enough points: %(available)s available, %(wanted)s needed.") % {
        "available": "120.00", "wanted": "150.00"} in response.content.decode()


def test_a_learner_cancels_a_pending_order_from_my_orders(client, learner, book):
    client.force_login(learner.user)
    client.post(reverse("rewards:reward", args=["BOOK-01"]), {"quantity": "2", "key": "web-1"})
    order = Redemption.objects.get()
    assert client.post(reverse("rewards:cancel_mine", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.status == RedemptionStatus.CANCELLED
    assert order.refund_entry.amount == Decimal("100.00")


def test_the_order_queue_fulfils_with_a_pickup_code_the_learner_sees(client, learner, admin, book):
    client.force_login(learner.user)
    client.post(reverse("rewards:reward", args=["BOOK-01"]), {"quantity": "1", "key": "web-1"})
    order = Redemption.objects.get()
    client.force_login(admin.user)
    queue = client.get(reverse("rewards:orders")).content.decode()
    assert "郑雨桐" in queue
    response = client.post(reverse("rewards:order_action", args=[order.pk, "fulfil"]), {"note": "三楼领取"})
    assert response.status_code == 302
    order.refresh_from_db()
    client.force_login(learner.user)
    assert order.pickup_code in client.get(reverse("rewards:my_orders")).content.decode()


def test_a_picture_must_really_be_an_image(client, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin.user)
    form = {"code": "PEN-01", "name": "钢笔", "category": "material", "price": "20", "limit_period": "year"}
    fake = SimpleUploadedFile("pen.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post(reverse("rewards:create"), {**form, "picture": fake})
    assert response.status_code == 200
    assert gettext("The picture must be a PNG, JPEG or WebP image.") in response.content.decode()
    assert not Reward.objects.exists()
    real = SimpleUploadedFile("pen.png", PNG, content_type="image/png")
    assert client.post(reverse("rewards:create"), {**form, "picture": real}).status_code == 302
    picture = client.get(reverse("rewards:picture", args=["PEN-01"]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
