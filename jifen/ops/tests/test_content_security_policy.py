"""Every page carries the Content-Security-Policy: scripts from our own files only, nothing may frame us."""

import pytest
from django.urls import reverse

EXPECTED = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:", "connect-src": "'self'", "font-src": "'self' data:",
    "frame-ancestors": "'none'", "form-action": "'self'", "base-uri": "'self'", "object-src": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict([*part.strip().split(" ", 1), ""][:2] for part in header.split(";") if part.strip())


def test_the_login_page_carries_the_policy(client):
    assert policy(client.get(reverse("accounts:login"))) == EXPECTED


@pytest.mark.parametrize("path", ["/", "/dashboards/training/", "/org/people/", "/api/v1/docs", "/no-such-page/"])
def test_signed_in_pages_carry_the_policy(client, org, path):
    admin = org.system_admin()
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert policy(response) == EXPECTED


def test_an_htmx_partial_carries_the_policy_too(client, org):
    admin = org.system_admin()
    client.force_login(admin)
    response = client.get("/org/people/?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert policy(response)["script-src"] == "'self'"
