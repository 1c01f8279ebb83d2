"""The points economy: what was issued, spent and expired each month, what is still held and what the
reward catalogue can cover, stock running low, and which rules pay more than before."""

from decimal import Decimal

from django.urls import reverse

from jifen.ledger import services as ledger
from jifen.org.models import Role
from jifen.reports.dashboards.tests.factories import months_ago, points
from jifen.rewards.models import Reward


def build(org):
    auditor = org.person(unit=org.rnd, name="赵审计", role=Role.HR_AUDITOR)  # the ledger over everyone
    a = org.person(unit=org.platform)
    b = org.person(unit=org.marketing)
    points(a, 20, rule="出勤", at=months_ago(3), expiry=("rolling", 1))  # expires two months ago
    points(a, 10, rule="出勤", at=months_ago(1))
    points(a, 100, rule="出勤")
    points(b, 50, rule="考试")
    ledger.spend(person=a, amount=30, key="dash-spend-1", reason="兑换")
    Reward.objects.create(code="BOOK", name="专业书籍", category="material", price=100, stock=2)
    Reward.objects.create(code="CARD", name="购物卡", category="gift_card", price=300, stock=50)
    return auditor, a, b


def test_issued_spent_expired_and_outstanding_per_month(client, org):
    auditor, _a, _b = build(org)
    client.force_login(auditor.user)
    api = client.get("/api/v1/dashboards/economy").json()
    months = api["months"]
    assert len(months) == 12
    assert (Decimal(months[-1]["issued"]), Decimal(months[-1]["spent"])) == (150, 30)
    assert Decimal(months[-2]["issued"]) == 10 and Decimal(months[-4]["issued"]) == 20
    assert sum(Decimal(m["expired"]) for m in months) == 20
    # 20 + 10 + 100 + 50 issued, 20 expired, 30 spent
    assert Decimal(months[-1]["outstanding"]) == Decimal(api["outstanding"]) == 130


def test_the_outstanding_points_against_the_reward_catalogue_and_low_stock(client, org):
    auditor, _a, _b = build(org)
    client.force_login(auditor.user)
    api = client.get("/api/v1/dashboards/economy").json()
    assert Decimal(api["average_price"]) == 200  # (100 + 300) / 2
    assert Decimal(api["rewards_coverable"]) == Decimal("0.7")  # 130 / 200
    assert Decimal(api["stock_points"]) == 2 * 100 + 50 * 300
    assert [r["code"] for r in api["low_stock"]] == ["BOOK"]
    assert [r["code"] for r in client.get("/api/v1/dashboards/economy?threshold=60").json()["low_stock"]] == [
        "BOOK", "CARD"]
    body = client.get(reverse("dashboards:economy")).content.decode()
    assert "专业书籍" in body and 'data-chart="point-flows"' in body


def test_the_outstanding_points_in_yuan_at_what_the_rewards_cost_the_company(client, org):
    auditor, _a, _b = build(org)
    client.force_login(auditor.user)
    api = client.get("/api/v1/dashboards/economy").json()
    assert api["liability_yuan"] is None and api["rewards_with_cost"] == 0  # no cost entered: no guess
    Reward.objects.filter(code="BOOK").update(unit_cost=Decimal("80"))
    Reward.objects.create(code="OLD", name="下架礼品", category="material", price=10, unit_cost=1000,
                          is_active=False)  # off sale: not counted
    api = client.get("/api/v1/dashboards/economy").json()
    assert Decimal(api["yuan_per_point"]) == Decimal("0.8")  # 80 yuan for 100 points; CARD has no cost
    assert Decimal(api["liability_yuan"]) == Decimal("104.00")  # 130 points held
    assert (api["rewards_with_cost"], api["rewards_on_sale"]) == (1, 2)
    Reward.objects.filter(code="CARD").update(unit_cost=Decimal("300"))
    api = client.get("/api/v1/dashboards/economy").json()
    assert Decimal(api["yuan_per_point"]) == Decimal("0.95")  # (80 + 300) / (100 + 300)
    assert Decimal(api["liability_yuan"]) == Decimal("123.50")
    body = client.get(reverse("dashboards:economy")).content.decode()
    assert "¥123.50" in body


def test_a_rule_paying_more_than_last_month_shows_how_much_more(client, org):
    auditor, _a, _b = build(org)
    client.force_login(auditor.user)
    rules = {r["rule"]: r for r in client.get("/api/v1/dashboards/economy").json()["rules"]}
    attendance = rules["出勤"]
    assert (Decimal(attendance["this_month"]), Decimal(attendance["last_month"])) == (100, 10)
    assert Decimal(attendance["change_on_last_month_percent"]) == 900
    assert attendance["change_on_last_year_percent"] is None  # nothing a year ago to compare with
    assert Decimal(rules["考试"]["this_month"]) == 50


def test_a_training_admin_over_one_department_sees_only_its_people_points(client, org):
    _auditor, _a, _b = build(org)
    admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(admin.user)
    api = client.get("/api/v1/dashboards/economy").json()
    assert Decimal(api["outstanding"]) == 80  # only 平台组's 130 - 20 - 30; 市场部's 50 stays out
    assert "考试" not in {r["rule"] for r in api["rules"]}


def test_a_manager_cannot_open_the_economy(client, org):
    manager = org.person(unit=org.rnd, role=Role.MANAGER, scope=org.rnd)
    client.force_login(manager.user)
    assert client.get(reverse("dashboards:economy")).status_code == 403
    assert client.get("/api/v1/dashboards/economy").status_code == 403




def test_rules_are_shown_by_their_name_not_their_code(client, org):
    from jifen.rules.models import Rule, RuleVersion

    auditor, _a, _b = build(org)
    rule = Rule.objects.create(code="出勤")
    for number, name in ((1, "按时出勤（旧）"), (2, "按时出勤")):
        RuleVersion.objects.create(rule=rule, number=number, name=name, event_type="attendance.present", amount=5,
                                   status="published" if number == 2 else "superseded")
    client.force_login(auditor.user)
    rules = [r["rule"] for r in client.get("/api/v1/dashboards/economy").json()["rules"]]
    assert "按时出勤" in rules and "出勤" not in rules and "按时出勤（旧）" not in rules
    assert "考试" in rules  # a label with no rule behind it stands for itself
