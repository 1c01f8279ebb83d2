"""Who may read the audit log of configuration changes: HR / auditors and system admins over the whole
organisation; nobody may change it (there is no page or operation that writes)."""

import pytest

from jifen.api.api import api
from jifen.audit import urls as audit_urls
from jifen.org.tests.test_permission_matrix import (
    API,
    SEE_AUDIT,
    Case,
    World,
    api_case,
    assert_reaches_exactly,
    fingerprint,
    page,
)


@pytest.fixture
def world(db) -> World:
    return World()


CASES: list[Case] = [
    Case("audit:changes", "get", SEE_AUDIT, page("audit:changes")),
    Case("audit:export", "get", SEE_AUDIT, page("audit:export")),
    api_case("GET /api/v1/audit/changes", "list_changes", SEE_AUDIT, lambda w, t: f"{API}/audit/changes"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ["anonymous", "learner", "manager", "trainer", "training_admin", "hr_auditor",
                                  "system_admin"])
def test_every_role_reaches_exactly_what_it_may_in_the_audit_log(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_audit_log_has_a_row():
    names = {f"audit:{pattern.name}" for pattern in audit_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["audit"]}
    assert ours == {case.api_op for case in CASES if case.api_op}
