"""Who may build forms: training admins (and system admins); nobody else reaches the form builder."""

import pytest
from django.urls import reverse

from jifen.org.tests.test_permission_matrix import MANAGE_TRACKING, ROLES, Case, assert_reaches_exactly, page
from jifen.tracking.followup.tests.test_permissions import FollowupWorld, tracking_fingerprint
from jifen.tracking.instruments import urls as instrument_urls


@pytest.fixture
def world(db) -> FollowupWorld:
    return FollowupWorld()


def on_form(name: str):
    return lambda w, t: reverse(name, args=[w.form.pk])


def on_question(name: str, index: int):
    return lambda w, t: reverse(name, args=[w.form.current_version().questions.order_by("position")[index].pk])


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
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_the_form_builder(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, tracking_fingerprint, hides_in_scope_names=False)


def test_every_page_of_the_form_builder_has_a_row():
    assert {f"instruments:{p.name}" for p in instrument_urls.urlpatterns} == {c.url_name for c in CASES}
