"""Who may do what with API tokens (everyone, their own only) and roles over the API (system admins)."""

import pytest
from django.urls import reverse

from jifen.api.api import api
from jifen.api.models import ApiToken
from jifen.api.tokens import token_create
from jifen.org.tests.test_permission_matrix import (
    API,
    GRANT_ROLES,
    SIGNED_IN,
    Case,
    World,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    page,
)


class TokenWorld(World):
    def __init__(self):
        super().__init__()
        self.tokens = {role: token_create(user=user, name=f"{role} 的脚本")[0]
                       for role, user in self.users.items() if user is not None}
        self.someone_elses = token_create(user=self.in_person.user, name="郑雨桐的脚本")[0]

    def own_token(self) -> int:
        found = self.tokens.get(self.acting or "")
        return found.pk if found is not None else 999_999


@pytest.fixture
def world(db) -> TokenWorld:
    return TokenWorld()


def token_fingerprint() -> tuple:
    return fingerprint(), list(ApiToken.objects.order_by("pk").values_list("pk", "name", "scope", "revoked_at"))


CASES: list[Case] = [
    Case("tokens:list", "get", SIGNED_IN, page("tokens:list")),
    Case("tokens:list", "post", SIGNED_IN, page("tokens:list"), data=lambda w, t: {"name": "脚本", "scope": "read"},
         writes=True),
    Case("tokens:revoke", "post", SIGNED_IN, lambda w, t: reverse("tokens:revoke", args=[w.own_token()]),
         target="own", ok=302, writes=True, label=" (one's own)"),
    Case("tokens:revoke", "post", SIGNED_IN, lambda w, t: reverse("tokens:revoke", args=[w.someone_elses.pk]),
         ok=404, label=" (someone else's: never)"),
    api_case("GET /api/v1/tokens", "list_tokens", SIGNED_IN, lambda w, t: f"{API}/tokens"),
    api_case("POST /api/v1/tokens", "create_token", SIGNED_IN, lambda w, t: f"{API}/tokens",
             data=lambda w, t: {"name": "脚本", "scope": "read"}, ok=201, writes=True),
    api_case("DELETE /api/v1/tokens/{token_id}", "revoke_token", SIGNED_IN,
             lambda w, t: f"{API}/tokens/{w.own_token()}", target="own", writes=True, label=" (one's own)"),
    api_case("DELETE /api/v1/tokens/{token_id}", "revoke_token", SIGNED_IN,
             lambda w, t: f"{API}/tokens/{w.someone_elses.pk}", ok=404, label=" (someone else's: never)"),
    *api_scoped("GET /api/v1/people/{person_id}/roles", "list_roles", GRANT_ROLES,
                lambda w, t: f"{API}/people/{w.person(t).pk}/roles"),
    *api_scoped("POST /api/v1/people/{person_id}/roles", "grant_role", GRANT_ROLES,
                lambda w, t: f"{API}/people/{w.person(t).pk}/roles", data=lambda w, t: {"role": "hr_auditor"},
                ok=201, writes=True),
    *api_scoped("DELETE /api/v1/people/{person_id}/roles/{assignment_id}", "revoke_role", GRANT_ROLES,
                lambda w, t: f"{API}/people/{w.person(t).pk}/roles/{w.assignment(t).pk}", ok=204, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ["anonymous", "learner", "manager", "trainer", "training_admin", "hr_auditor",
                                  "system_admin"])
def test_every_role_reaches_exactly_what_it_may_with_tokens_and_roles(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, token_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_api_app_has_a_row():
    names = {case.url_name for case in CASES}
    assert {"tokens:list", "tokens:revoke"} <= names
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if path.startswith("/api/v1/tokens") or path.startswith("/api/v1/people/{person_id}/roles")}
    assert ours == {case.api_op for case in CASES if case.api_op}
