"""Rules over the API, in the rules pages' terms: a training administrator of the whole organisation reads
the ruleset, writes a change as a draft, simulates it over past or given events, puts it in force,
archives a rule, and moves the ruleset as YAML; everyone else reads what is in force. Every change is in
the audit log, marked as made through the API."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from jifen.api.tests.helpers import API, bearer, is_problem, send
from jifen.ledger.models import Entry
from jifen.org.models import Role
from jifen.rules import yaml_io
from jifen.rules.models import Event, Rule, RuleVersion
from jifen.rules.services import record_event

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def zh(message: str, **params) -> str:
    """What the pages show in Chinese (the catalogue's translation, when compiled)."""
    with translation.override("zh-hans"):
        return gettext(message) % params if params else gettext(message)


@pytest.fixture
def admin(org):
    """A training administrator of the whole organisation: RULES_MANAGE over everything."""
    return org.person(unit=org.root, no="HQ-A001", name="周总培", role=Role.TRAINING_ADMIN).user


@pytest.fixture
def token(admin):
    return bearer(admin, "admin")


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="学员小周")


def statuses(code: str) -> list[tuple[int, str, Decimal]]:
    return list(RuleVersion.objects.filter(rule__code=code).order_by("number")
                .values_list("number", "status", "amount"))


# ---------------------------------------------------------------- reading


def test_everyone_reads_the_rules_in_force_but_only_administrators_see_drafts(client, org, admin, token, learner):
    assert send(client, "patch", "/rules/attendance-present", {"amount": "8"}, **token).status_code == 200
    own = bearer(learner.user)

    listed = send(client, "get", "/rules?limit=200", **own).json()
    rule = next(r for r in listed["items"] if r["code"] == "attendance-present")
    assert rule["in_force"]["amount"] == 5 and rule["in_force"]["label"] == "attendance-present@v1"
    assert rule["draft"] is None and rule["in_force"]["created_by"] is None
    assert listed["count"] == Rule.objects.filter(archived_at__isnull=True).count()

    detail = send(client, "get", "/rules/attendance-present", **own).json()
    assert [(v["number"], v["status"]) for v in detail["versions"]] == [(1, "published")]

    as_admin = send(client, "get", "/rules/attendance-present", **token).json()
    assert [(v["number"], v["status"], v["amount"]) for v in as_admin["versions"]] == [
        (2, "draft", 8), (1, "published", 5)]
    assert as_admin["draft"]["number"] == 2 and as_admin["draft"]["created_by"] == "周总培"
    listed = send(client, "get", "/rules?event_type=attendance.present", **token).json()
    assert [r["code"] for r in listed["items"]] == ["attendance-present"]
    assert listed["items"][0]["draft"]["amount"] == 8


def test_a_rule_that_does_not_exist_is_not_found(client, token):
    is_problem(send(client, "get", "/rules/no-such-rule", **token), 404)
    is_problem(send(client, "patch", "/rules/no-such-rule", {"amount": "3"}, **token), 404)


# ---------------------------------------------------------------- creating and changing


def test_a_new_rule_is_a_draft_that_applies_once_put_in_force(client, admin, token, learner):
    body = {"code": "webinar", "name": "线上研讨 +3", "event_type": "participation.active", "amount": "3",
            "cap_month": "9", "conditions": {"deliveries": ["online"]}}
    response = send(client, "post", "/rules", body, **token)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["code"] == "webinar" and created["in_force"] is None
    assert created["draft"]["conditions"] == {"deliveries": ["online"]} and created["draft"]["cap_month"] == 9
    assert created["draft"]["currency"] == "points" and created["draft"]["amount_mode"] == "fixed"
    assert RuleVersion.objects.get(rule__code="webinar").created_by == admin

    published = send(client, "post", "/rules/webinar/publish?version=1", **token)
    assert published.status_code == 200, published.content
    assert published.json()["in_force"]["number"] == 1
    assert statuses("webinar") == [(1, "published", Decimal(3))]


def test_a_rule_can_be_created_in_force_at_once(client, token, learner):
    body = {"code": "sharing-bonus", "name": "分享 +2", "event_type": "attendance.present", "amount": "2",
            "publish": True}
    assert send(client, "post", "/rules", body, **token).status_code == 201
    record_event(key="a1", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert sorted(Entry.objects.values_list("rule_label", "amount")) == [
        ("attendance-present", Decimal(5)), ("sharing-bonus", Decimal(2))]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"code": "attendance-present"}, "code",
     ("There is already a rule with the code %(code)s.", {"code": "attendance-present"})),
    ({"conditions": {"moon_phase": "full"}}, "conditions", ("Unknown conditions: %(names)s", {"names": "moon_phase"})),
    ({"active_from": "2026-05-01T00:00:00+08:00", "active_to": "2026-04-01T00:00:00+08:00"}, "active_to",
     ("The end must come after the start.", {})),
])
def test_an_invalid_rule_is_refused_with_the_pages_message_and_nothing_is_saved(client, token, body, field,
                                                                                message):
    before = RuleVersion.objects.count()
    full = {"code": "webinar", "name": "线上研讨 +3", "event_type": "participation.active", "amount": "3", **body}
    problem = is_problem(send(client, "post", "/rules", full, **token, **ZH), 400)
    assert problem["detail"] == zh(message[0], **message[1]) and problem["field"] == field
    assert RuleVersion.objects.count() == before


def test_a_reserved_or_malformed_code_and_a_zero_amount_are_refused(client, token):
    base = {"name": "x", "event_type": "attendance.present", "amount": "3"}
    for code in ("import", "two words", "x" * 60 + "y"):
        response = send(client, "post", "/rules", {**base, "code": code}, **token)
        assert response.status_code in (400, 422), (code, response.content)
        assert response["Content-Type"] == "application/problem+json"
    assert is_problem(send(client, "post", "/rules", {**base, "code": "zero", "amount": "0"}, **token),
                      400)["field"] == "amount"
    assert not Rule.objects.filter(code__in=["import", "zero"]).exists()


def test_a_change_becomes_a_draft_version_and_keeps_the_fields_not_given(client, token, learner):
    response = send(client, "patch", "/rules/exam-improvement", {"amount": "25"}, **token)
    assert response.status_code == 200, response.content
    draft = response.json()["draft"]
    assert draft["number"] == 2 and draft["amount"] == 25
    assert draft["amount_mode"] == "per_score_step" and draft["conditions"] == {"passed": True}
    # A second change updates the same draft; publish puts it in force.
    response = send(client, "patch", "/rules/exam-improvement", {"amount": "30", "publish": True}, **token)
    assert response.json()["draft"] is None and response.json()["in_force"]["amount"] == 30
    assert statuses("exam-improvement") == [(1, "superseded", Decimal(20)), (2, "published", Decimal(30))]


def test_a_change_with_a_bad_value_is_refused_and_the_rule_stays_as_it_was(client, token):
    problem = is_problem(send(client, "patch", "/rules/attendance-present", {"name": "  "}, **token), 400)
    assert problem["field"] == "name"
    problem = is_problem(send(client, "patch", "/rules/attendance-present", {"event_type": None}, **token), 400)
    assert problem["field"] == "event_type"
    assert statuses("attendance-present") == [(1, "published", Decimal(5))]


# ---------------------------------------------------------------- publishing and archiving


def test_publishing_without_a_draft_or_a_version_that_is_not_the_draft_is_a_conflict(client, token):
    problem = is_problem(send(client, "post", "/rules/attendance-present/publish", **token, **ZH), 409)
    assert problem["detail"] == zh("This rule has no draft to put in force.")
    send(client, "patch", "/rules/attendance-present", {"amount": "6"}, **token)
    problem = is_problem(send(client, "post", "/rules/attendance-present/publish?version=1", **token, **ZH), 409)
    assert problem["detail"] == zh("Only a draft can be put in force.")
    is_problem(send(client, "post", "/rules/attendance-present/publish?version=9", **token), 404)
    assert statuses("attendance-present") == [(1, "published", Decimal(5)), (2, "draft", Decimal(6))]


def test_a_draft_applies_to_events_only_once_put_in_force(client, token, learner):
    send(client, "patch", "/rules/attendance-present", {"amount": "6"}, **token)
    record_event(key="a1", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert send(client, "post", "/rules/attendance-present/publish?version=2", **token).status_code == 200
    record_event(key="a2", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert list(Entry.objects.order_by("pk").values_list("amount", flat=True)) == [Decimal(5), Decimal(6)]


def test_an_archived_rule_applies_to_no_new_event_and_archiving_again_changes_nothing(client, token, learner):
    response = send(client, "post", "/rules/attendance-present/archive", **token)
    assert response.status_code == 200 and response.json()["archived_at"]
    first = Rule.objects.get(code="attendance-present").archived_at
    assert send(client, "post", "/rules/attendance-present/archive", **token).status_code == 200
    assert Rule.objects.get(code="attendance-present").archived_at == first
    record_event(key="a1", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    assert not Entry.objects.exists()
    codes = [r["code"] for r in send(client, "get", "/rules?limit=200", **token).json()["items"]]
    assert "attendance-present" not in codes
    archived = send(client, "get", "/rules?archived=true", **token).json()["items"]
    assert [r["code"] for r in archived] == ["attendance-present"]


# ---------------------------------------------------------------- YAML


def yaml_file(text: str, name: str = "rules.yaml"):
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def test_the_ruleset_exports_as_the_pages_yaml(client, token):
    response = send(client, "get", "/rules/export", **token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode() == yaml_io.export_ruleset()


def test_an_import_is_checked_first_and_then_makes_drafts(client, token):
    text = yaml_io.export_ruleset().replace("amount: 5\n", "amount: 7\n", 1)
    before = RuleVersion.objects.count(), LogEntry.objects.count()
    checked = client.post(f"{API}/rules/import", {"file": yaml_file(text)}, **token)
    assert checked.status_code == 200, checked.content
    assert checked.json()["dry_run"] is True and checked.json()["changed"] == ["attendance-present"]
    assert (RuleVersion.objects.count(), LogEntry.objects.count()) == before

    imported = client.post(f"{API}/rules/import?dry_run=false", {"file": yaml_file(text)}, **token)
    assert imported.json() == {"dry_run": False, "publish": False, "created": [], "changed": ["attendance-present"],
                               "unchanged": imported.json()["unchanged"]}
    assert statuses("attendance-present") == [(1, "published", Decimal(5)), (2, "draft", Decimal(7))]


def test_a_bad_ruleset_imports_nothing_with_the_pages_message(client, token):
    before = RuleVersion.objects.count()
    bad = "format: jifen-ruleset/1\nrules:\n  - code: new-one\n    amount: lots\n"
    problem = is_problem(client.post(f"{API}/rules/import?dry_run=false", {"file": yaml_file(bad)}, **token), 400)
    assert "new-one" in problem["detail"]
    big = io.BytesIO(b"#" * (1024 * 1024 + 1))
    big.name = "big.yaml"
    problem = is_problem(client.post(f"{API}/rules/import", {"file": big}, **token, **ZH), 400)
    assert problem["detail"] == zh("A ruleset file can be at most 1 MB.") and problem["field"] == "file"
    assert RuleVersion.objects.count() == before


def test_a_ruleset_with_a_condition_of_the_wrong_kind_or_a_zero_score_step_imports_nothing(client, token):
    before = RuleVersion.objects.count()
    for rule in ("    conditions: {units: 5}\n", "    score_step: 0\n"):
        text = ("format: jifen-ruleset/1\nrules:\n  - code: odd\n    name: 奇怪\n    event_type: attendance.present\n"
                "    amount: 1\n" + rule)
        response = client.post(f"{API}/rules/import?dry_run=false", {"file": yaml_file(text)}, **token)
        assert is_problem(response, 400)["field"] in ("conditions", "score_step")
    assert RuleVersion.objects.count() == before and not Rule.objects.filter(code="odd").exists()


def test_the_publish_page_without_a_draft_still_says_so(client, admin):
    client.force_login(admin)
    response = client.post(reverse("rules:rule_publish", args=["attendance-present"]), follow=True)
    assert zh("This rule has no draft to put in force.") in response.content.decode()


# ---------------------------------------------------------------- simulation


def test_simulating_a_draft_over_recorded_events_compares_with_what_was_awarded(client, token, learner):
    for n in range(3):
        record_event(key=f"a{n}", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    send(client, "patch", "/rules/attendance-present", {"amount": "8"}, **token)
    entries, events = Entry.objects.count(), Event.objects.count()
    response = send(client, "get", "/rules/simulate?start=2026-03-01&end=2026-03-31", **token)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["events"] == 3 and result["drafts"] == ["attendance-present@v2"]
    assert result["totals"] == {"actual": 15, "simulated": 24, "change": 9}
    row = next(r for r in result["by_rule"] if r["name"] == "attendance-present")
    assert (row["actual"], row["simulated"]) == (15, 24)
    assert result["gainers"] == [{"employee_no": "E0001", "name": "学员小周", "actual": 15, "simulated": 24,
                                  "change": 9}]
    in_force = send(client, "get", "/rules/simulate?start=2026-03-01&end=2026-03-31&ruleset=in_force",
                    **token).json()
    assert in_force["totals"]["change"] == 0 and in_force["drafts"] == []
    assert (Entry.objects.count(), Event.objects.count()) == (entries, events)


def test_a_simulation_period_that_ends_before_it_starts_is_refused_with_the_pages_message(client, token):
    problem = is_problem(send(client, "get", "/rules/simulate?start=2026-03-31&end=2026-03-01", **token, **ZH), 400)
    assert problem["detail"] == zh("The end must come after the start.") and problem["field"] == "end"


def test_simulating_given_events_says_what_each_would_post_and_records_nothing(client, token, learner):
    record_event(key="seen", type="attendance.present", person="E0001", occurred_at=AT, now=AT)
    send(client, "patch", "/rules/contribution-sharing", {"amount": "30"}, **token)
    at = "2026-03-02T09:00:00+08:00"
    body = {"events": [
        {"key": "s1", "type": "contribution.sharing", "person": "E0001", "occurred_at": at},
        {"key": "s2", "type": "contribution.sharing", "person": "E0001", "occurred_at": at},
        {"key": "s3", "type": "contribution.sharing", "person": "NOBODY", "occurred_at": at},
        {"key": "seen", "type": "attendance.present", "person": "E0001", "occurred_at": at},
    ]}
    entries, events = Entry.objects.count(), Event.objects.count()
    response = send(client, "post", "/rules/simulate", body, **token, **ZH)
    assert response.status_code == 200, response.content
    result = response.json()
    rows = {row["key"]: row for row in result["events"]}
    # The draft pays 30, within the month's cap of 40: 30, then the 10 left.
    assert [e["amount"] for e in rows["s1"]["entries"]] == [30]
    assert [(e["rule"], e["version"], e["amount"]) for e in rows["s2"]["entries"]] == [("contribution-sharing", 2, 10)]
    assert rows["s3"]["status"] == "rejected" and rows["s3"]["error"] == zh("No person has the number %(no)s.", no="NOBODY")
    assert rows["seen"]["status"] == "duplicate" and rows["seen"]["entries"] == []
    assert result["totals"] == [{"currency": "points", "amount": 40}]
    assert (Entry.objects.count(), Event.objects.count()) == (entries, events)


# ---------------------------------------------------------------- who may, and the audit log


def test_a_department_training_admin_reads_the_rules_but_may_not_change_them(client, org):
    scoped = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd).user
    headers = bearer(scoped, "admin")
    assert send(client, "get", "/rules", **headers).status_code == 200
    is_problem(send(client, "patch", "/rules/attendance-present", {"amount": "6"}, **headers), 403)
    is_problem(send(client, "get", "/rules/export", **headers), 403)
    is_problem(send(client, "get", "/rules/simulate?start=2026-03-01&end=2026-03-31", **headers), 403)
    assert statuses("attendance-present") == [(1, "published", Decimal(5))]


@pytest.mark.parametrize("scope", ["read", "write"])
def test_changing_the_rules_needs_an_admin_token(client, admin, scope):
    headers = bearer(admin, scope)
    calls = [("patch", "/rules/attendance-present", {"amount": "6"}), ("post", "/rules/attendance-present/archive", None),
             ("post", "/rules", {"code": "x", "name": "x", "event_type": "attendance.present", "amount": "1"}),
             ("post", "/rules/attendance-present/publish", None), ("post", "/rules/simulate", {"events": []})]
    for method, path, body in calls:
        problem = is_problem(send(client, method, path, body, **headers), 403)
        assert problem["required_scope"] == "admin"
    assert send(client, "get", "/rules/export", **headers).status_code == 200
    assert statuses("attendance-present") == [(1, "published", Decimal(5))]


def test_a_change_through_the_api_is_in_the_audit_log_like_one_from_the_page(client, org, admin, token):
    auditor = org.person(unit=org.rnd, no="H0001", name="赵审计", role=Role.HR_AUDITOR).user
    send(client, "patch", "/rules/attendance-present", {"amount": "8", "publish": True}, **token)

    client.force_login(auditor)
    rows = client.get(reverse("audit:changes"), {"kind": "rules"}).context["rows"]
    created = next(row for row in rows if row.object == "attendance-present v2" and row.action == "create")
    assert created.who.startswith("周总培")
    assert created.compared_with == "v1"
    assert [(f.before, f.after) for f in created.fields if f.field == "amount"] == [("5", "8")]
    entry = LogEntry.objects.get(pk=created.id)
    assert entry.actor == admin
    assert entry.additional_data["via"] == "api" and entry.additional_data["token"].startswith("test (jf_")
    put_in_force = next(row for row in rows if row.object == "attendance-present v2" and row.action == "update")
    assert "status" in {f.field for f in put_in_force.fields}
    archived = send(client, "post", "/rules/webinar-none/archive", **token)
    assert archived.status_code == 404
    send(client, "post", "/rules/attendance-absent/archive", **token)
    rule = Rule.objects.get(code="attendance-absent")
    assert LogEntry.objects.get_for_object(rule).filter(action=LogEntry.Action.UPDATE).get() \
        .additional_data["via"] == "api"
