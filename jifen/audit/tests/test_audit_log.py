"""Every configuration change is on the audit page: who, when, what, and each value before → after."""

import io
import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jifen.api.models import TokenScope
from jifen.api.tokens import token_create
from jifen.audit.middleware import LogIsImmutable
from jifen.notify.models import Channel
from jifen.org.models import Role, RoleAssignment
from jifen.rewards.models import Reward, RewardCategory
from jifen.rules import rule_services
from jifen.rules.models import Rule

RULE_FORM = {
    "name": "出勤 +8", "description": "", "event_type": "attendance.present", "currency": "points", "amount": "8",
    "amount_mode": "fixed", "score_step": "10", "credit_source": "from_course", "cooldown_minutes": "0",
    "expiry_months": "12", "expiry_policy": "",
}


@pytest.fixture
def admin(org):
    user = org.system_admin()
    user.first_name = "王管理"
    user.save()
    return user


@pytest.fixture
def auditor(org):
    return org.person(unit=org.rnd, no="H0001", name="赵审计", role=Role.HR_AUDITOR).user


def rows_on_page(client, **params) -> list:
    response = client.get(reverse("audit:changes"), params)
    assert response.status_code == 200
    return response.context["rows"]


def test_an_admin_changes_a_rules_points_and_the_auditor_sees_who_when_and_5_to_8(client, org, admin, auditor):
    rule_services.install_defaults()
    client.force_login(admin)
    response = client.post(reverse("rules:rule_edit", args=["attendance-present"]), {**RULE_FORM, "publish": "1"})
    assert response.status_code == 302

    client.force_login(auditor)
    rows = rows_on_page(client, kind="rules")
    created = next(row for row in rows if row.object == "attendance-present v2" and row.action == "create")
    assert created.who.startswith(admin.display_name)
    assert created.via == "Web" or created.via == "网页"
    assert created.compared_with == "v1"
    amounts = [(f.before, f.after) for f in created.fields if f.field == "amount"]
    assert amounts == [("5", "8")]
    put_in_force = next(row for row in rows if row.object == "attendance-present v2" and row.action == "update")
    assert "status" in {f.field for f in put_in_force.fields}
    page = client.get(reverse("audit:changes"), {"kind": "rules"}).content.decode()
    assert "attendance-present v2" in page and "<del>5</del> → <ins>8</ins>" in page


def test_a_reward_price_change_in_the_catalogue_shows_before_and_after(client, org, admin, auditor):
    reward = Reward.objects.create(code="BOOK-01", name="《学习之道》", category=RewardCategory.MATERIAL,
                                   price=Decimal("100"))
    client.force_login(admin)
    form = {"code": "BOOK-01", "name": "《学习之道》", "category": "material", "price": "120", "unit_cost": "",
            "stock": "", "limit_per_person": "", "limit_period": "year", "description": "", "units": [org.rnd.pk],
            "positions": [], "min_level": "", "active_from": "", "active_to": "", "is_active": "on"}
    assert client.post(reverse("rewards:edit", args=[reward.code]), form).status_code == 302

    client.force_login(auditor)
    rows = rows_on_page(client, kind="rewards", actor=admin.pk)
    fields = {f.field: (f.before, f.after) for row in rows for f in row.fields}
    assert fields["price"] == ("100", "120")
    assert fields["units"] == ("", "+ 总部/研发中心")


def test_a_reward_added_over_the_api_with_a_token_is_attributed_to_the_tokens_user(client, org, admin, auditor):
    _token, raw = token_create(user=admin, name="OA 同步", scope=TokenScope.ADMIN)
    response = client.post("/api/v1/rewards", {"code": "CARD-1", "name": "京东卡", "category": "gift_card",
                                               "price": "300"}, content_type="application/json",
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201, response.content

    client.force_login(auditor)
    [row] = rows_on_page(client, kind="rewards")
    assert row.actor_id == admin.pk and row.who.startswith(admin.display_name)
    assert "OA 同步" in row.via
    assert ("price", "", "300") in {(f.field, f.before, f.after) for f in row.fields}


def test_a_role_granted_and_revoked_over_the_api_appears_with_its_grantor(client, org, admin, auditor):
    person = org.person(no="E0042", name="李新人")
    _token, raw = token_create(user=admin, name="HR 系统", scope=TokenScope.ADMIN)
    bearer = {"Authorization": f"Bearer {raw}"}
    granted = client.post(f"/api/v1/people/{person.pk}/roles", {"role": "trainer"}, content_type="application/json",
                          headers=bearer)
    assert granted.status_code == 201, granted.content
    revoked = client.delete(f"/api/v1/people/{person.pk}/roles/{granted.json()['id']}", headers=bearer)
    assert revoked.status_code == 204
    assert not RoleAssignment.objects.filter(user=person.user).exists()

    client.force_login(auditor)
    rows = rows_on_page(client, kind="roles", actor=admin.pk)
    assert [row.action for row in rows] == ["delete", "create"]
    for row in rows:
        roles = {(f.before, f.after) for f in row.fields if f.field == "role"}
        assert roles <= {("", "Trainer"), ("Trainer", ""), ("", "讲师"), ("讲师", "")} and roles
        assert person.user.get_username() in {f.before or f.after for f in row.fields if f.field == "user"}


def test_a_channels_secret_is_never_shown_only_that_it_changed(client, org, admin, auditor):
    channel = Channel.objects.create(kind="webhook", name="HR 系统", url="https://hr.example.com/hook?key=K3Y",
                                     secret="s3cret-value")
    channel.secret = "n3w-secret-value"
    channel.save()

    client.force_login(auditor)
    page = client.get(reverse("audit:changes")).content.decode()
    api = json.dumps(client.get("/api/v1/audit/changes", {"kind": "integrations"}).json(), ensure_ascii=False)
    export = client.get(reverse("audit:export")).content
    for shown in (page, api):
        assert "HR 系统" in shown
        assert "s3cret" not in shown and "n3w-secret" not in shown and "K3Y" not in shown and "cret-value" not in shown
    assert b"cret-value" not in export  # (a zip: also checked as cells below)
    cells = [str(c) for row in load_workbook(io.BytesIO(export)).active.iter_rows(values_only=True) for c in row]
    assert not any("secret-value" in c or "K3Y" in c for c in cells)
    [update] = [row for row in rows_on_page(client, kind="integrations") if row.action == "update"]
    assert [(f.field, f.before, f.after) for f in update.fields] == [("secret", "••••••", "••••••")]


def test_a_tokens_hash_never_enters_the_log(client, org, admin):
    token, _raw = token_create(user=admin, name="BI", scope=TokenScope.READ)
    entry = LogEntry.objects.get(object_pk=str(token.pk), content_type__model="apitoken")
    assert "key_hash" not in entry.changes and token.key_hash not in str(entry.changes)


def test_a_change_made_by_a_command_is_attributed_to_the_system_and_names_the_command(client, org, auditor,
                                                                                       monkeypatch):
    monkeypatch.setattr("sys.argv", ["/srv/jifen/.venv/bin/jifen", "shell"])
    call_command("shell", command="from jifen.org.models import Position; "
                                  "p = Position.objects.get(code='SE'); p.annual_credit_target = 180; p.save()")
    client.force_login(auditor)
    [row] = [row for row in rows_on_page(client, kind="organisation") if row.object == "软件工程师"
             and row.action == "update"]
    assert row.actor_id is None and row.who in ("System (command shell)", "系统（命令 shell）")
    assert [(f.field, f.before, f.after) for f in row.fields] == [("annual_credit_target", "150", "180")]


def test_filters_narrow_the_list_by_what_who_and_day(client, org, admin, auditor):
    Rule.objects.create(code="by-nobody")
    client.force_login(admin)
    Rule.objects.create(code="not-in-a-request")
    client.force_login(auditor)
    everything = rows_on_page(client)
    assert [r.object for r in rows_on_page(client, kind="rules")[:2]] == ["not-in-a-request", "by-nobody"]
    assert rows_on_page(client, kind="rules", actor=admin.pk) == []
    assert rows_on_page(client, kind="rewards") == []
    assert rows_on_page(client, **{"from": "2000-01-01", "to": "2000-01-02"}) == []
    assert len(rows_on_page(client, **{"from": "2000-01-01"})) == len(everything)
    assert len(rows_on_page(client, **{"from": "0001-01-01", "to": "9999-12-31"})) == len(everything)
    assert client.get("/api/v1/audit/changes", {"date_from": "0001-01-01", "date_to": "9999-12-31"}).status_code == 200
    assert all(r.action == "create" for r in rows_on_page(client, action="create"))


def test_the_log_cannot_be_changed_or_deleted(org, admin):
    Rule.objects.create(code="kept")
    entry = LogEntry.objects.filter(content_type__model="rule").latest("timestamp")
    entry.object_repr = "forged"
    with pytest.raises(LogIsImmutable), transaction.atomic():
        entry.save()
    with pytest.raises(LogIsImmutable), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    assert LogEntry.objects.get(pk=entry.pk).object_repr == "kept"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.TRAINING_ADMIN, None])
def test_learners_managers_and_training_admins_cannot_see_the_log(client, org, role):
    person = org.person(unit=org.rnd, role=role, scope=org.rnd if role else None)
    client.force_login(person.user)
    assert client.get(reverse("audit:changes")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403
    assert client.get("/api/v1/audit/changes").status_code == 403


def test_an_auditor_of_one_department_only_cannot_see_the_organisations_log(client, org):
    scoped = org.person(unit=org.rnd, role=Role.HR_AUDITOR, scope=org.rnd)
    client.force_login(scoped.user)
    assert client.get(reverse("audit:changes")).status_code == 403
    assert client.get("/api/v1/audit/changes").status_code == 403


def test_the_pages_queries_do_not_grow_with_the_number_of_changes(client, org, admin, auditor):
    client.force_login(auditor)

    def queries() -> int:
        client.get(reverse("audit:changes"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit:changes")).status_code == 200
        return len(captured)

    for n in range(3):
        Rule.objects.create(code=f"few-{n}")
    few = queries()
    for n in range(30):
        Rule.objects.create(code=f"many-{n}")
    assert 0 < queries() == few <= 12


def test_the_export_neutralises_formulas(client, org, auditor):
    Reward.objects.create(code="=HYPERLINK(\"http://x\")", name="=1+2", category=RewardCategory.MATERIAL,
                          price=Decimal("10"))
    client.force_login(auditor)
    response = client.get(reverse("audit:export"), {"kind": "rewards"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]
    assert "'=1+2" in values and not any(v.startswith("=") for v in values)
    assert any(v.startswith("'=HYPERLINK") for v in values)


def test_the_api_lists_changes_newest_first_with_before_and_after(client, org, auditor):
    Rule.objects.create(code="first")
    Rule.objects.create(code="second")
    client.force_login(auditor)
    body = client.get("/api/v1/audit/changes", {"kind": "rules", "limit": 1}).json()
    assert body["count"] >= 2 and body["next"]
    assert body["items"][0]["object"] == "second" and body["items"][0]["action"] == "create"
    assert {"field": "code", "before": "", "after": "second"}.items() <= body["items"][0]["fields"][0].items()
    following = client.get("/api/v1/audit/changes", {"kind": "rules", "limit": 1, "cursor": body["next"]}).json()
    assert following["items"][0]["object"] == "first"


def test_who_made_a_change_reads_the_same_after_the_login_is_renamed(client, org, admin, auditor):
    rule_services.install_defaults()
    client.force_login(admin)
    client.post(reverse("rules:rule_edit", args=["attendance-present"]), {**RULE_FORM, "publish": "1"})
    name = admin.display_name
    admin.first_name, admin.username = "改名", "renamed"
    admin.save()
    client.force_login(auditor)
    rows = rows_on_page(client, actor=admin.pk)
    assert rows and all(row.who.startswith(name) and "renamed" not in row.who for row in rows)
