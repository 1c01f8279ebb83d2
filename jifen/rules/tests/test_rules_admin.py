"""Training admins change rules in forms; every change is a version; rulesets travel as YAML; drafts are
simulated over past events before they apply."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jifen.core.errors import ApplicationError
from jifen.ledger.models import Entry
from jifen.org.models import Role
from jifen.rules import rule_services, simulation, yaml_io
from jifen.rules.models import Rule, RuleVersion
from jifen.rules.services import record_event

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin(org):
    user = org.system_admin()
    return user


@pytest.fixture
def learner(org):
    return org.person(no="E0001")


FORM = {
    "name": "出勤 +6", "description": "", "event_type": "attendance.present", "currency": "points", "amount": "6",
    "amount_mode": "fixed", "score_step": "10", "credit_source": "from_course", "cooldown_minutes": "0",
    "expiry_months": "12", "expiry_policy": "",
}


def test_an_admin_changes_a_rule_in_a_form_and_it_becomes_a_new_version(client, admin):
    client.force_login(admin)
    response = client.post(reverse("rules:rule_edit", args=["attendance-present"]), {**FORM, "publish": "1"})
    assert response.status_code == 302
    versions = RuleVersion.objects.filter(rule__code="attendance-present").order_by("number")
    assert [(v.number, v.status, v.amount) for v in versions] == [
        (1, "superseded", Decimal("5.00")), (2, "published", Decimal("6.00"))]


def test_a_draft_does_not_apply_until_put_in_force(client, admin, learner):
    client.force_login(admin)
    client.post(reverse("rules:rule_edit", args=["attendance-present"]), {**FORM, "draft": "1"})
    record_event(key="a1", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert Entry.objects.get().amount == Decimal("5.00")
    client.post(reverse("rules:rule_publish", args=["attendance-present"]))
    record_event(key="a2", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert list(Entry.objects.order_by("pk").values_list("amount", flat=True)) == [Decimal("5.00"), Decimal("6.00")]


def test_a_training_admin_scoped_to_one_department_cannot_change_company_rules(client, org):
    scoped = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(scoped.user)
    assert client.get(reverse("rules:rule_edit", args=["attendance-present"])).status_code == 403


def test_a_new_rule_with_an_unknown_condition_is_refused(db):
    with pytest.raises(ApplicationError):
        rule_services.rule_create(code="odd", fields={"name": "x", "event_type": "attendance.present",
                                                      "currency": "points", "amount": Decimal(1),
                                                      "conditions": {"moon_phase": "full"}})


def test_the_ruleset_exported_as_yaml_imports_back_unchanged(db):
    text = yaml_io.export_ruleset()
    assert "attendance-present" in text and "jifen-ruleset/1" in text
    summary = yaml_io.import_ruleset(text, publish=True)
    assert summary.created == [] and summary.changed == []
    assert len(summary.unchanged) == Rule.objects.count()


def test_importing_a_changed_yaml_makes_drafts_and_a_bad_file_imports_nothing(db):
    text = yaml_io.export_ruleset().replace("amount: 5\n", "amount: 7\n", 1)
    summary = yaml_io.import_ruleset(text)
    assert summary.changed == ["attendance-present"]
    assert RuleVersion.objects.get(rule__code="attendance-present", status="draft").amount == Decimal(7)
    before = RuleVersion.objects.count()
    with pytest.raises(ApplicationError):
        yaml_io.import_ruleset("format: jifen-ruleset/1\nrules:\n  - code: new-one\n    amount: lots\n")
    assert RuleVersion.objects.count() == before


def test_simulation_shows_what_a_draft_would_have_paid_without_writing_anything(learner):
    for n in range(3):
        record_event(key=f"a{n}", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    rule = Rule.objects.get(code="attendance-present")
    rule_services.rule_version_save(rule=rule, fields={**{f: getattr(rule.versions.get(), f)
                                                          for f in rule_services.VERSION_FIELDS},
                                                       "amount": Decimal(8)}, publish=False)
    entries = Entry.objects.count()
    result = simulation.simulate(versions=simulation.draft_ruleset(), start=AT - dt.timedelta(days=1),
                                 end=AT + dt.timedelta(days=1))
    assert result.events == 3
    assert result.by_rule["attendance-present"].actual == Decimal(15)
    assert result.by_rule["attendance-present"].simulated == Decimal(24)
    gainers, losers = result.movers()
    assert gainers[0][1].change == Decimal(9) and losers == []
    assert Entry.objects.count() == entries


def test_the_simulation_page_runs_for_a_period(client, admin, learner):
    record_event(key="a1", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    client.force_login(admin)
    response = client.get(reverse("rules:simulate"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    assert "attendance-present" in response.content.decode()
