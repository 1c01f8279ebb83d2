"""Turning sign-on on from the environment: half a configuration stops Jifen from starting, loudly, rather
than showing a button that cannot work."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from jifen.accounts.sso.conf import NUMBER_OR_EMAIL_BACKEND, OIDC_BACKEND
from jifen.accounts.sso.tests.helpers import configure


def test_the_issuer_url_or_the_full_discovery_url_may_be_given(settings, monkeypatch):
    for given in ("https://idp.example/realms/corp", "https://idp.example/realms/corp/",
                  "https://idp.example/realms/corp/.well-known/openid-configuration"):
        values = configure(settings, monkeypatch, OIDC_RP_CLIENT_ID="jifen", OIDC_OP_DISCOVERY=given)
        assert values["OIDC_OP_DISCOVERY"] == "https://idp.example/realms/corp/.well-known/openid-configuration"
        assert values["AUTHENTICATION_BACKENDS"][-1] == OIDC_BACKEND


def test_a_client_id_without_a_provider_stops_jifen_from_starting(settings, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_DISCOVERY"):
        configure(settings, monkeypatch, OIDC_RP_CLIENT_ID="jifen")


def test_a_directory_without_a_search_base_stops_jifen_from_starting(settings, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LDAP_USER_SEARCH_BASE"):
        configure(settings, monkeypatch, LDAP_SERVER_URI="ldap://127.0.0.1:9")


def test_matching_on_email_can_be_switched_off(settings, monkeypatch):
    values = configure(settings, monkeypatch, OIDC_RP_CLIENT_ID="jifen", OIDC_OP_DISCOVERY="https://idp.example",
                       OIDC_EMAIL_CLAIM="", LDAP_SERVER_URI="ldap://127.0.0.1:9", LDAP_USER_SEARCH_BASE="dc=x",
                       LDAP_EMAIL_ATTR="")
    assert values["OIDC_EMAIL_CLAIM"] == "" and values["LDAP_EMAIL_ATTR"] == ""
    assert values["OIDC_EMPLOYEE_NO_CLAIM"] == "employee_no" and values["LDAP_EMPLOYEE_NO_ATTR"] == "employeeNumber"
    assert NUMBER_OR_EMAIL_BACKEND in values["AUTHENTICATION_BACKENDS"]
