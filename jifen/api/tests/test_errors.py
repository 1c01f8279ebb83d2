"""Every error under /api/v1/ is RFC 9457 problem+json, in the language the client asks for."""

import pytest

from jifen.api.tests.helpers import API, bearer, is_problem, send


@pytest.fixture
def learner(org):
    return org.person(no="E0001")


def test_an_unknown_route_is_a_404_problem_in_the_clients_language(client, learner):
    headers = bearer(learner.user)
    zh = is_problem(send(client, "get", "/no/such/thing", **headers), 404)
    en = is_problem(send(client, "get", "/no/such/thing", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9", **headers), 404)
    assert zh["title"] == "未找到。" and en["title"] == "Not found."


def test_a_missing_object_is_a_404_problem(client, learner):
    is_problem(send(client, "get", "/people/999999", **bearer(learner.user)), 404)


def test_a_method_the_route_does_not_have_is_a_405_problem_with_allow(client, learner):
    response = send(client, "delete", "/me", **bearer(learner.user, "write"))
    is_problem(response, 405)
    assert "GET" in response["Allow"]


def test_no_credentials_is_a_401_problem_in_english_when_asked(client, db):
    body = is_problem(client.get(f"{API}/me", HTTP_ACCEPT_LANGUAGE="en"), 401)
    assert body["title"] == "Sign in first."


def test_an_invalid_body_is_a_422_problem_listing_the_fields(client, learner):
    body = is_problem(send(client, "post", "/tokens", {"scope": "nonsense"}, **bearer(learner.user, "admin")), 422)
    assert body["errors"]


def test_a_server_error_is_a_500_problem_without_a_traceback(client, learner, monkeypatch):
    from jifen.org import api as org_api

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(org_api, "person_summary", broken, raising=False)
    monkeypatch.setattr(org_api, "get_access", broken)
    response = send(client, "get", "/me", **bearer(learner.user))
    is_problem(response, 500)
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


def test_the_language_of_a_token_call_is_the_users_choice_when_the_client_names_none(client, learner):
    learner.user.language = "en"
    learner.user.save()
    body = is_problem(send(client, "get", "/people/999999", **bearer(learner.user)), 404)
    assert body["title"] == "Not found."
