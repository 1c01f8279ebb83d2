"""Who may build forms: training admins (and system admins); nobody else reaches the form builder."""

import pytest
from django.urls import reverse

from jifen.api.api import api
from jifen.org.tests.test_permission_matrix import (
    API,
    MANAGE_TRACKING,
    ROLES,
    Case,
    api_case,
    assert_reaches_exactly,
    page,
)
from jifen.tracking.followup.tests.test_permissions import FollowupWorld, tracking_fingerprint
from jifen.tracking.instruments import urls as instrument_urls


@pytest.fixture
def world(db) -> FollowupWorld:
    return FollowupWorld()


def on_form(name: str):
    return lambda w, t: reverse(name, args=[w.form.pk])


def on_question(name: str, index: int):
    return lambda w, t: reverse(name, args=[w.form.current_version().questions.order_by("position")[index].pk])


def api_question(index: int, suffix: str = ""):
    def url(w, t):
        question = w.form.current_version().questions.order_by("position")[index]
        return f"{API}/tracking/forms/{w.form.pk}/questions/{question.pk}{suffix}"
    return url


CASES: list[Case] = [
    Case("instruments:forms", "get", MANAGE_TRACKING, page("instruments:forms")),
    Case("instruments:form_create", "get", MANAGE_TRACKING, page("instruments:form_create")),
    Case("instruments:form_create", "post", MANAGE_TRACKING, page("instruments:form_create"),
         data=lambda w, t: {"name": "带教评估", "kind": "general", "description": ""}, ok=302, writes=True),
    Case("instruments:form", "get", MANAGE_TRACKING, on_form("instruments:form")),
    Case("instruments:question_add", "post", MANAGE_TRACKING, on_form("instruments:question_add"),
         data=lambda w, t: {"kind": "likert", "text": "讲师准备充分", "required": "on"}, ok=302, writes=True),
    Case("instruments:question_remove", "post", MANAGE_TRACKING, on_question("instruments:question_remove", 0),
         ok=302, writes=True),
    Case("instruments:question_move", "post", MANAGE_TRACKING, on_question("instruments:question_move", 1),
         data=lambda w, t: {"direction": "up"}, ok=302, writes=True),
    # ---- the API (jifen/tracking/followup/api_manage.py; configuration: admin-scope tokens)
    api_case("GET /api/v1/tracking/forms", "followup_list_forms", MANAGE_TRACKING, lambda w, t: f"{API}/tracking/forms"),
    api_case("GET /api/v1/tracking/forms/{form_id}", "followup_get_form", MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/forms/{w.form.pk}"),
    api_case("POST /api/v1/tracking/forms", "followup_create_form", MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/forms", data=lambda w, t: {"name": "带教评估", "kind": "general"},
             ok=201, writes=True),
    api_case("POST /api/v1/tracking/forms/{form_id}/questions", "followup_add_question", MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/forms/{w.form.pk}/questions",
             data=lambda w, t: {"kind": "likert", "text": "讲师准备充分"}, ok=201, writes=True),
    api_case("DELETE /api/v1/tracking/forms/{form_id}/questions/{question_id}", "followup_remove_question",
             MANAGE_TRACKING, api_question(0), writes=True),
    api_case("POST /api/v1/tracking/forms/{form_id}/questions/{question_id}/move", "followup_move_question",
             MANAGE_TRACKING, api_question(1, "/move"), data=lambda w, t: {"direction": "up"}, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_the_form_builder(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, tracking_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_form_builder_has_a_row():
    assert {f"instruments:{p.name}" for p in instrument_urls.urlpatterns} == {c.url_name for c in CASES
                                                                              if not c.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["follow-up forms"]}
    assert ours == {case.api_op for case in CASES if case.api_op}
