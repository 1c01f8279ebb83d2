"""The event intake and balance endpoints, in the shapes other systems depend on."""

import json

import pytest
from django.core.management import call_command

from jifen.api.tokens import token_create
from jifen.org.models import Role


@pytest.fixture
def admin(org):
    return org.person(unit=org.rnd, no="A0001", role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def learner(org):
    return org.person(unit=org.platform, no="E0001", name="郑雨桐")


def bearer(user, scope="write"):
    _token, raw = token_create(user=user, name="lms", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_events(client, headers, events):
    return client.post("/api/v1/events", data=json.dumps({"events": events}), content_type="application/json",
                       **headers)


EVENT = {"key": "att-20260301-E0001", "type": "attendance.present", "person": "E0001",
         "occurred_at": "2026-03-01T09:00:00+08:00", "data": {}}


def test_an_lms_posts_attendance_with_a_bearer_token_and_gets_each_result_in_order(client, admin, learner):
    headers = bearer(admin.user)
    response = post_events(client, headers, [EVENT, {**EVENT, "key": "x", "person": "NOBODY"}, EVENT])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["posted", "rejected", "duplicate"]
    assert results[0]["entries"] == [{"currency": "points", "amount": 5, "rule": "attendance-present"}]
    assert results[1]["error"]


def test_an_event_for_someone_outside_the_admins_scope_is_rejected(client, admin, org):
    outsider = org.person(unit=org.marketing, no="M0001")
    results = post_events(client, bearer(admin.user), [{**EVENT, "person": outsider.employee_no}]).json()["results"]
    assert results[0]["status"] == "rejected"


def test_a_read_token_cannot_post_events(client, admin, learner):
    assert post_events(client, bearer(admin.user, scope="read"), [EVENT]).status_code == 403  # a valid token with too narrow a scope


def test_a_revoked_token_is_refused(client, admin, learner):
    from jifen.api.tokens import token_revoke

    token, raw = token_create(user=admin.user, name="old", scope="write")
    token_revoke(token=token)
    response = post_events(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, [EVENT])
    assert response.status_code == 401


def test_balances_answer_points_expiring_and_credits_against_the_target(client, admin, learner):
    post_events(client, bearer(admin.user), [EVENT])
    client.force_login(learner.user)
    body = client.get("/api/v1/people/E0001/balances").json()
    assert body["points"] == 5 and body["points_expiring_30d"] == 0
    assert set(body["credits"]) == {"year", "earned", "required", "elective", "target"}
    assert body["credits"]["target"] == 150


def test_a_learner_cannot_read_someone_elses_entries(client, org, learner):
    other = org.person(unit=org.platform, no="E0002")
    client.force_login(learner.user)
    assert client.get(f"/api/v1/people/{other.employee_no}/entries").status_code == 404
    assert client.get("/api/v1/people/E0001/entries").status_code == 200


def test_createtoken_prints_the_token_as_its_last_line(admin, capsys):
    call_command("createtoken", admin.user.username)
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("jf_")
