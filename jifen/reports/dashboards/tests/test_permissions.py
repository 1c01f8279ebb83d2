"""Who may open which dashboard: every role against every page and API operation. The team and training
dashboards need progress over others (a learner and a trainer only see themselves); the economy needs the
ledger over the whole organisation (HR auditors) or the reward catalogue (training admins)."""

import pytest

from jifen.api.api import api
from jifen.org.tests.test_permission_matrix import (
    API,
    LEARN,
    MANAGE_REWARDS,
    ROLES,
    SEE_LEARNING,
    SEE_TRACKING,
    Case,
    World,
    api_case,
    assert_reaches_exactly,
    fingerprint,
    page,
)
from jifen.reports.dashboards import urls as dashboard_urls

ONLY_THEMSELVES = (("learner", 403), ("trainer", 403))

CASES: list[Case] = [
    Case("dashboards:team", "get", SEE_LEARNING, page("dashboards:team"), overrides=ONLY_THEMSELVES),
    Case("dashboards:training", "get", SEE_TRACKING, page("dashboards:training")),
    Case("dashboards:economy", "get", MANAGE_REWARDS, page("dashboards:economy"), overrides=(("hr_auditor", 200),)),
    # A system admin without a person record has no home of their own.
    api_case("GET /api/v1/dashboards/me", "dashboard_me", LEARN, lambda w, t: f"{API}/dashboards/me",
             overrides=(("system_admin", 404),)),
    api_case("GET /api/v1/dashboards/team", "dashboard_team", SEE_LEARNING, lambda w, t: f"{API}/dashboards/team",
             overrides=ONLY_THEMSELVES),
    api_case("GET /api/v1/dashboards/training", "dashboard_training", SEE_TRACKING,
             lambda w, t: f"{API}/dashboards/training"),
    api_case("GET /api/v1/dashboards/economy", "dashboard_economy", MANAGE_REWARDS,
             lambda w, t: f"{API}/dashboards/economy", overrides=(("hr_auditor", 200),)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_the_dashboards(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)


def test_every_page_and_operation_of_the_dashboards_has_a_row():
    names = {f"dashboards:{pattern.name}" for pattern in dashboard_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["dashboards"]}
    assert ours == {case.api_op for case in CASES if case.api_op}


@pytest.fixture
def world(db) -> World:
    return World()
