"""Who may use the reward store and its administration: every role against every rewards page and endpoint,
inside and outside their scope. The organisation and the outcomes are those of the org matrix
(jifen/org/tests/test_permission_matrix.py): learners order for themselves; training admins keep the
catalogue and handle the orders of people in their scope (研发中心), which outside it are not found."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from jifen.ledger import services as ledger
from jifen.ledger.models import Entry
from jifen.org.tests.test_permission_matrix import (
    API,
    JSON,
    LEARN,
    MANAGE_REWARDS,
    ROLES,
    SIGNED_IN,
    Case,
    World,
    assert_reaches_exactly,
    scoped,
)
from jifen.rewards import services
from jifen.rewards.models import Redemption, Reward, RewardCategory


class RewardWorld(World):
    """The org matrix's world, plus a book on sale and one pending order from 郑雨桐 (in) and 钱多多 (out)."""

    def __init__(self):
        super().__init__()
        self.book = Reward.objects.create(code="BOOK-01", name="《学习之道》", category=RewardCategory.MATERIAL,
                                          price=Decimal(5), stock=100)
        self.orders = {}
        for target in ("in", "out"):
            person = self.person(target)
            ledger.award(person=person, currency="points", amount=50, key=f"rw-{person.pk}", reason="出勤")
            self.orders[target] = services.redeem(reward=self.book, person=person, key=f"world-{target}").redemption

    def order(self, target: str) -> int:
        return self.orders[target].pk


@pytest.fixture
def world(db, settings, tmp_path) -> RewardWorld:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return RewardWorld()


def fingerprint() -> tuple:
    return (
        list(Reward.objects.order_by("pk").values_list("pk", "code", "name", "price", "stock", "is_active")),
        list(Redemption.objects.order_by("pk").values_list("pk", "status", "refund_entry_id")),
        Entry.objects.count(),
    )


def order_url(name: str, *extra):
    return lambda w, t: reverse(name, args=[w.order(t), *extra])


def reward_form(w, t) -> dict:
    return {"code": "PEN-01", "name": "钢笔", "category": "material", "price": "20", "stock": "5",
            "limit_period": "year", "is_active": "on"}


NOT_FOR_ADMIN = (("system_admin", 403),)  # this system admin has no person record: no points to spend

CASES: list[Case] = [
    Case("rewards:store", "get", SIGNED_IN, lambda w, t: reverse("rewards:store")),
    Case("rewards:reward", "get", SIGNED_IN, lambda w, t: reverse("rewards:reward", args=["BOOK-01"])),
    Case("rewards:reward", "post", LEARN, lambda w, t: reverse("rewards:reward", args=["BOOK-01"]),
         data=lambda w, t: {"quantity": "1", "key": f"web-{w.acting}"}, ok=302, writes=True,
         overrides=NOT_FOR_ADMIN),
    Case("rewards:picture", "get", SIGNED_IN, lambda w, t: reverse("rewards:picture", args=["BOOK-01"]), ok=404,
         label=" (no picture: not found)"),
    Case("rewards:my_orders", "get", SIGNED_IN, lambda w, t: reverse("rewards:my_orders")),
    Case("rewards:cancel_mine", "post", LEARN, order_url("rewards:cancel_mine"), target="in",
         ok=404, label=" (someone else's order is not found)", overrides=NOT_FOR_ADMIN),
    Case("rewards:manage", "get", MANAGE_REWARDS, lambda w, t: reverse("rewards:manage")),
    Case("rewards:create", "get", MANAGE_REWARDS, lambda w, t: reverse("rewards:create")),
    Case("rewards:create", "post", MANAGE_REWARDS, lambda w, t: reverse("rewards:create"), data=reward_form,
         ok=302, writes=True),
    Case("rewards:edit", "get", MANAGE_REWARDS, lambda w, t: reverse("rewards:edit", args=["BOOK-01"])),
    Case("rewards:orders", "get", MANAGE_REWARDS, lambda w, t: reverse("rewards:orders")),
    *scoped(url_name="rewards:order", method="get", need=MANAGE_REWARDS, url=order_url("rewards:order")),
    *scoped(url_name="rewards:order_action", method="post", need=MANAGE_REWARDS,
            url=order_url("rewards:order_action", "reject"), data=lambda w, t: {"note": "库存盘点有误"},
            ok=302, writes=True),
    # ---- API
    Case("api:rewards", "get", SIGNED_IN, lambda w, t: f"{API}/rewards", api_op="GET /api/v1/rewards",
         anonymous=JSON),
    Case("api:reward_create", "post", MANAGE_REWARDS, lambda w, t: f"{API}/rewards", api_op="POST /api/v1/rewards",
         anonymous=JSON, data=lambda w, t: {"code": "PEN-01", "name": "钢笔", "category": "material", "price": 20,
                                           "stock": 5}, ok=201, writes=True),
    Case("api:reward_update", "patch", MANAGE_REWARDS, lambda w, t: f"{API}/rewards/BOOK-01",
         api_op="PATCH /api/v1/rewards/{code}", anonymous=JSON, data=lambda w, t: {"stock": 7, "is_active": False},
         writes=True),
    Case("api:redemption_create", "post", LEARN, lambda w, t: f"{API}/redemptions", api_op="POST /api/v1/redemptions",
         anonymous=JSON, data=lambda w, t: {"reward": "BOOK-01", "key": f"api-{w.acting}"}, ok=201, writes=True,
         overrides=NOT_FOR_ADMIN),
    *[Case("api:redemption_create", "post", MANAGE_REWARDS, lambda w, t: f"{API}/redemptions",
           api_op="POST /api/v1/redemptions", anonymous=JSON, target=target,
           data=lambda w, t: {"reward": "BOOK-01", "key": f"for-{t}", "person": w.person(t).employee_no},
           ok=201, writes=True, label=" (for someone else)") for target in ("in", "out")],
    Case("api:redemptions", "get", SIGNED_IN, lambda w, t: f"{API}/redemptions", api_op="GET /api/v1/redemptions",
         anonymous=JSON),
    *[Case("api:redemption_action", "post", MANAGE_REWARDS,
           lambda w, t: f"{API}/redemptions/{w.order(t)}/reject",
           api_op="POST /api/v1/redemptions/{redemption_id}/{action}", anonymous=JSON, target=target,
           data=lambda w, t: {"note": "库存盘点有误"}, writes=True) for target in ("in", "out")],
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_the_reward_store(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)
