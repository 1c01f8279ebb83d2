"""Who may use the rules over the API: every role against every rules endpoint. The organisation and the
outcomes are those of the org matrix (jifen/org/tests/test_permission_matrix.py), where the rules pages'
own rows are: everyone signed in reads the rules in force; drafts, changes, the YAML file and simulations
need RULES_MANAGE over the whole organisation (only the system admin there)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jifen.org.tests.test_permission_matrix import (
    API,
    MANAGE_RULES,
    ROLES,
    SIGNED_IN,
    Case,
    World,
    api_case,
    assert_reaches_exactly,
)
from jifen.rules import rule_services, yaml_io
from jifen.rules.models import Event, Rule, RuleVersion


class RulesWorld(World):
    """The org matrix's world, with a draft (v2, 6 points) of attendance-present waiting to be put in force."""

    def __init__(self):
        super().__init__()
        rule = Rule.objects.get(code="attendance-present")
        base = rule_services.rule_base_version(rule)
        rule_services.rule_version_save(
            rule=rule, fields={**{n: getattr(base, n) for n in rule_services.VERSION_FIELDS}, "amount": 6},
            publish=False)


@pytest.fixture
def world(db, settings, tmp_path) -> RulesWorld:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return RulesWorld()


def fingerprint() -> tuple:
    return (
        list(Rule.objects.order_by("pk").values_list("pk", "code", "archived_at")),
        list(RuleVersion.objects.order_by("pk").values_list("pk", "number", "status", "amount", "name")),
        Event.objects.count(),
    )


def changed_ruleset(w, t) -> dict:
    text = yaml_io.export_ruleset().replace("amount: 10\n", "amount: 12\n", 1)
    return {"file": SimpleUploadedFile("rules.yaml", text.encode(), content_type="application/yaml")}


NEW_RULE = {"code": "webinar", "name": "线上研讨 +3", "event_type": "participation.active", "amount": "3"}
EVENTS = {"events": [{"key": "what-if-1", "type": "attendance.present", "person": "RD-0001",
                      "occurred_at": "2026-03-02T09:00:00+08:00"}]}

CASES: list[Case] = [
    api_case("GET /api/v1/rules", "list_rules", SIGNED_IN, lambda w, t: f"{API}/rules"),
    api_case("GET /api/v1/rules/{code}", "get_rule", SIGNED_IN, lambda w, t: f"{API}/rules/attendance-present"),
    api_case("POST /api/v1/rules", "create_rule", MANAGE_RULES, lambda w, t: f"{API}/rules",
             data=lambda w, t: NEW_RULE, ok=201, writes=True),
    api_case("PATCH /api/v1/rules/{code}", "update_rule", MANAGE_RULES,
             lambda w, t: f"{API}/rules/homework-late", data=lambda w, t: {"amount": "-8"}, writes=True),
    api_case("POST /api/v1/rules/{code}/publish", "publish_rule", MANAGE_RULES,
             lambda w, t: f"{API}/rules/attendance-present/publish?version=2", writes=True),
    api_case("POST /api/v1/rules/{code}/archive", "archive_rule", MANAGE_RULES,
             lambda w, t: f"{API}/rules/contribution-case/archive", writes=True),
    api_case("GET /api/v1/rules/export", "export_rules", MANAGE_RULES, lambda w, t: f"{API}/rules/export"),
    api_case("POST /api/v1/rules/import", "import_rules", MANAGE_RULES, lambda w, t: f"{API}/rules/import",
             data=changed_ruleset, label=" (dry run)"),
    api_case("POST /api/v1/rules/import", "import_rules", MANAGE_RULES,
             lambda w, t: f"{API}/rules/import?dry_run=false", data=changed_ruleset, writes=True),
    api_case("GET /api/v1/rules/simulate", "simulate_recorded", MANAGE_RULES,
             lambda w, t: f"{API}/rules/simulate?start=2026-01-01&end=2026-12-31"),
    api_case("POST /api/v1/rules/simulate", "simulate_given", MANAGE_RULES, lambda w, t: f"{API}/rules/simulate",
             data=lambda w, t: EVENTS),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_with_the_rules(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)
