"""Who may open the sign-on pages: anyone (they are how one signs in), and nobody at all while sign-on is off,
as it is unless configured (what they do once configured: test_oidc.py)."""

import pytest

from jifen.org.tests.test_permission_matrix import (
    PUBLIC,
    ROLES,
    Case,
    World,
    assert_reaches_exactly,
    fingerprint,
    page,
)

CASES = [
    Case("sso:oidc_start", "get", PUBLIC, page("sso:oidc_start"), ok=404, anonymous=404, label=" (sign-on off)"),
    Case("sso:oidc_callback", "get", PUBLIC, lambda w, t: "/accounts/sso/oidc/callback/?code=c&state=s", ok=404,
         anonymous=404, label=" (sign-on off)"),
]


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_while_sign_on_is_off_its_pages_do_not_exist_for_anyone(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)
