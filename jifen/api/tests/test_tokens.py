"""Tokens: made on a page or by the API, shown once, scoped, revocable, with their last use."""

import pytest
from django.urls import reverse

from jifen.api.models import ApiToken
from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.org.models import Role


@pytest.fixture
def learner(org):
    return org.person(no="E0001")


@pytest.fixture
def admin(org):
    return org.person(no="A0001", role=Role.TRAINING_ADMIN, scope=org.root)


def test_a_learner_creates_a_token_on_the_page_sees_it_once_and_revokes_it(client, learner):
    client.force_login(learner.user)
    page = client.post(reverse("tokens:list"), {"name": "我的脚本", "scope": "read"})
    assert page.status_code == 200
    raw = page.context["created"]["raw"]
    assert raw.startswith("jf_") and raw.encode() in page.content
    assert page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=learner.user)
    assert token.key_hash != raw and raw not in token.prefix + token.key_hash
    again = client.get(reverse("tokens:list"))
    assert raw.encode() not in again.content and token.prefix.encode() in again.content
    assert send(client.__class__(), "get", "/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client.post(reverse("tokens:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert send(client.__class__(), "get", "/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_the_token_page_is_in_the_menu_and_offers_admin_scope_only_to_administrators(client, learner, admin):
    client.force_login(learner.user)
    page = client.get(reverse("tokens:list"))
    assert reverse("tokens:list").encode() in page.content
    assert [c[0] for c in page.context["form"].fields["scope"].choices] == ["read", "write"]
    refused = client.post(reverse("tokens:list"), {"name": "x", "scope": "admin"})
    assert refused.context["created"] is None and not ApiToken.objects.exists()
    client.force_login(admin.user)
    assert "admin" in [c[0] for c in client.get(reverse("tokens:list")).context["form"].fields["scope"].choices]


def test_nobody_revokes_another_persons_token(client, learner, admin):
    bearer(admin.user)
    token = ApiToken.objects.get()
    client.force_login(learner.user)
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
    is_problem(send(client, "delete", f"/tokens/{token.pk}"), 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_are_listed_created_and_revoked_through_the_api_with_a_session(client, admin):
    client.force_login(admin.user)
    created = send(client, "post", "/tokens", {"name": "HR 系统", "scope": "admin"})
    assert created.status_code == 201 and created.json()["token"].startswith("jf_")
    listed = send(client, "get", "/tokens").json()
    assert [(t["name"], t["scope"], t["revoked_at"]) for t in listed] == [("HR 系统", "admin", None)]
    assert "token" not in listed[0]
    revoked = send(client, "delete", f"/tokens/{listed[0]['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_a_learner_cannot_make_an_admin_token_through_the_api(client, learner):
    client.force_login(learner.user)
    body = is_problem(send(client, "post", "/tokens", {"name": "x", "scope": "admin"}), 400)
    assert body["field"] == "scope"
    assert not ApiToken.objects.exists()


def test_only_an_admin_scope_token_manages_tokens(client, admin):
    is_problem(send(client, "post", "/tokens", {"name": "x"}, **bearer(admin.user, "write")), 403)
    made = send(client, "post", "/tokens", {"name": "x"}, **bearer(admin.user, "admin"))
    assert made.status_code == 201


def test_a_read_token_reads_but_does_not_write(client, admin):
    headers = bearer(admin.user, "read")
    assert send(client, "get", "/people", **headers).status_code == 200
    body = is_problem(send(client, "post", "/events", {"events": []}, **headers), 403)
    assert body["required_scope"] == "write"


def test_changing_the_organisation_needs_an_admin_token_but_recording_does_not(client, admin, org):
    unit = {"name": "新部门", "parent_id": org.root.pk}
    is_problem(send(client, "post", "/org/units", unit, **bearer(admin.user, "write")), 403)
    assert send(client, "post", "/org/units", unit, **bearer(admin.user, "admin")).status_code in (200, 201)
    events = send(client, "post", "/events", {"events": []}, **bearer(admin.user, "write"))
    assert events.status_code != 403


def test_a_token_records_when_it_was_last_used(client, learner):
    headers = bearer(learner.user)
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    send(client, "get", "/me", **headers)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_of_a_deactivated_login_is_refused(client, learner):
    headers = bearer(learner.user)
    learner.user.is_active = False
    learner.user.save()
    is_problem(send(client, "get", "/me", **headers), 401)
