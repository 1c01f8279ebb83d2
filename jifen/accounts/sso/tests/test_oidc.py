"""Signing in with the company's OpenID Connect provider: the person is found by employee number, else
e-mail; anyone else, and anything tampered with on the way, is refused with a reason on the login page."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.urls import reverse

from jifen.accounts.sso.tests.helpers import configure
from jifen.accounts.sso.tests.idp import CLIENT_ID, CLIENT_SECRET
from jifen.org import services
from jifen.org.models import Person, RoleAssignment
from jifen.org.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
START = reverse("sso:oidc_start")
CALLBACK = reverse("sso:oidc_callback")


@pytest.fixture
def oidc(settings, monkeypatch, idp):
    configure(settings, monkeypatch, OIDC_RP_CLIENT_ID=CLIENT_ID, OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
              OIDC_OP_DISCOVERY=idp.issuer, OIDC_PROVIDER_NAME="企业微信")
    return idp


@pytest.fixture
def learner(org) -> Person:
    return org.person(no="E1001", name="郑雨桐", email="yutong.zheng@example.com")


def go_to_provider(client, **query):
    started = client.get(START, query)
    assert started.status_code == 302, started
    return started["Location"]


def come_back(client, provider_url: str, change_state: str | None = None):
    """The browser at the provider (a real HTTP request), then back at Jifen with what the provider sent."""
    at_provider = requests.get(provider_url, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == ("http", "testserver", CALLBACK)
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if change_state is not None:
        query["state"] = change_state
    return client.get(CALLBACK, query)


def sign_in(client, **query):
    return come_back(client, go_to_provider(client, **query))


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def login_page_text(client) -> str:
    return client.get(LOGIN).content.decode()


# ---------------------------------------------------------------- signing in


def test_a_person_signs_in_with_the_company_account_by_employee_number(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001", email="someone.else@example.com", name="Yutong")
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert signed_in_user_id(client) == learner.user_id
    assert "郑雨桐" in client.get(reverse("core:home")).content.decode()


def test_the_employee_number_decides_before_the_email_address(client, oidc, org, learner):
    colleague = org.person(no="E1002", email="colleague@example.com")
    oidc.sign_in_as("u-1", employee_no="E1001", email="colleague@example.com")
    sign_in(client)
    assert signed_in_user_id(client) == learner.user_id != colleague.user_id


def test_without_an_employee_number_the_email_address_finds_the_person_in_any_case(client, oidc, learner):
    oidc.sign_in_as("u-2", email="YuTong.Zheng@Example.COM")
    oidc.userinfo_only = {"email"}  # this provider tells the e-mail only from its userinfo endpoint
    sign_in(client)
    assert signed_in_user_id(client) == learner.user_id
    assert "GET /userinfo" in oidc.requests


def test_an_employee_number_nobody_has_falls_back_to_the_email_address(client, oidc, learner):
    oidc.sign_in_as("u-3", employee_no="OLD-77", email="yutong.zheng@example.com")
    sign_in(client)
    assert signed_in_user_id(client) == learner.user_id


def test_an_email_address_the_provider_has_not_verified_finds_no_one(client, oidc, learner):
    oidc.sign_in_as("u-4", email="yutong.zheng@example.com", email_verified=False)
    sign_in(client)
    assert signed_in_user_id(client) is None


def test_after_signing_in_you_land_on_the_page_you_asked_for_and_never_on_another_site(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    assert sign_in(client, next="/accounts/profile/")["Location"] == "/accounts/profile/"
    client.logout()
    assert sign_in(client, next="https://evil.example/")["Location"] == reverse("core:home")


def test_a_person_without_a_login_gets_one_without_a_password_and_with_roles_only_from_jifen(client, oidc, org):
    person = org.person(no="E2001", email="new.hire@example.com")
    old_login = person.user
    Person.objects.filter(pk=person.pk).update(user=None)
    old_login.delete()
    oidc.sign_in_as("u-5", employee_no="E2001", roles=["system_admin"], groups=["admins"])
    sign_in(client)
    person.refresh_from_db()
    assert person.user_id is not None and signed_in_user_id(client) == person.user_id
    assert person.user.username == "E2001" and not person.user.has_usable_password()
    assert not person.user.is_superuser and not RoleAssignment.objects.filter(user=person.user).exists()


def test_a_signed_in_person_keeps_the_roles_jifen_gave_them(client, oidc, org):
    admin = org.person(no="E3001", role="training_admin", scope=org.root)
    oidc.sign_in_as("u-6", employee_no="E3001")
    sign_in(client)
    assert signed_in_user_id(client) == admin.user_id
    assert list(RoleAssignment.objects.filter(user_id=admin.user_id).values_list("role", flat=True)) == [
        "training_admin"]


def test_the_sign_in_is_recorded_like_a_password_login(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    sign_in(client)
    assert AccessLog.objects.filter(username="E1001").count() == 1


# ---------------------------------------------------------------- refusals


def test_an_identity_that_matches_no_one_is_refused_and_gets_no_account(client, oidc, learner):
    users_before = get_user_model().objects.count()
    oidc.sign_in_as("u-9", employee_no="X404", email="stranger@example.com")
    response = sign_in(client)
    assert response["Location"] == LOGIN and signed_in_user_id(client) is None
    assert "Your 企业微信 account matches no one in Jifen" in login_page_text(client)
    assert get_user_model().objects.count() == users_before


def test_the_refusal_is_shown_once(client, oidc, learner):
    oidc.sign_in_as("u-9", email="stranger@example.com")
    sign_in(client)
    assert "matches no one" in login_page_text(client)
    assert "matches no one" not in login_page_text(client)


def test_an_identity_whose_email_two_people_share_is_refused(client, oidc, org):
    first = org.person(no="E4001", email="shared@example.com")
    second = org.person(no="E4002")
    Person.objects.filter(pk=second.pk).update(email="Shared@Example.com")  # as an old import left it
    oidc.sign_in_as("u-10", email="shared@example.com")
    sign_in(client)
    assert signed_in_user_id(client) is None
    assert first.user_id and "matches more than one person" in login_page_text(client)


def test_a_person_who_left_is_refused(client, oidc, learner):
    services.person_update(person=learner, status=Person.Status.LEFT)
    oidc.sign_in_as("u-1", employee_no="E1001")
    response = sign_in(client)
    assert response["Location"] == LOGIN and signed_in_user_id(client) is None
    assert "recorded as having left" in login_page_text(client)


def test_a_sign_in_cancelled_at_the_provider_returns_to_the_login_page_with_a_reason(client, oidc, learner):
    oidc.refuse_sign_in = True
    response = sign_in(client)
    assert response["Location"] == LOGIN and signed_in_user_id(client) is None
    assert "was cancelled or refused" in login_page_text(client)
    assert "POST /token" not in oidc.requests


# ---------------------------------------------------------------- tampering


def test_a_changed_state_is_refused_before_any_code_is_exchanged(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    response = come_back(client, go_to_provider(client), change_state="forged-state")
    assert response["Location"] == LOGIN and signed_in_user_id(client) is None
    assert "POST /token" not in oidc.requests


def test_a_state_from_another_browser_is_refused(client, oidc, learner):
    from django.test import Client

    oidc.sign_in_as("u-1", employee_no="E1001")
    victim = Client()
    response = come_back(victim, go_to_provider(client))  # started in one browser, finished in another
    assert signed_in_user_id(victim) is None and response["Location"] == LOGIN


def test_the_answer_from_the_provider_cannot_be_replayed(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    at_provider = requests.get(go_to_provider(client), allow_redirects=False, timeout=5)
    callback = at_provider.headers["Location"].removeprefix("http://testserver")
    client.get(callback)
    assert signed_in_user_id(client) == learner.user_id
    client.logout()
    client.get(callback)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("changes", [{"nonce": "forged-nonce"}, {"aud": "another-app"},
                                     {"iss": "http://127.0.0.1:1"}, {"exp": 1_000_000}])
def test_an_id_token_with_a_wrong_nonce_audience_issuer_or_expiry_is_refused(client, oidc, learner, changes):
    oidc.sign_in_as("u-1", employee_no="E1001")
    oidc.id_token_changes = changes
    response = sign_in(client)
    assert response["Location"] == LOGIN and signed_in_user_id(client) is None
    assert "POST /token" in oidc.requests  # refused after the exchange, on checking the token


def test_an_id_token_signed_with_another_key_is_refused(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    oidc.forge_signature = True
    sign_in(client)
    assert signed_in_user_id(client) is None


def test_userinfo_about_someone_else_is_refused(client, oidc, org, learner):
    org.person(no="E1009")
    oidc.sign_in_as("u-1", employee_no="E1001")
    oidc.id_token_changes = {"sub": "u-other"}  # the ID token and userinfo disagree on who this is
    sign_in(client)
    assert signed_in_user_id(client) is None


# ---------------------------------------------------------------- on and off


def test_when_configured_the_login_page_offers_the_provider_and_keeps_the_target_page(client, oidc):
    page = client.get(LOGIN, {"next": "/accounts/profile/"}).content.decode()
    assert "企业微信" in page and f'action="{START}"' in page
    assert 'name="next" value="/accounts/profile/"' in page


def test_a_password_login_still_works_and_never_calls_the_provider(client, oidc, learner):
    response = client.post(LOGIN, {"username": "E1001", "password": PASSWORD})
    assert response.status_code == 302 and signed_in_user_id(client) == learner.user_id
    assert oidc.requests == []


def test_a_provider_that_does_not_answer_is_explained_and_passwords_still_work(client, settings, monkeypatch,
                                                                               learner):
    configure(settings, monkeypatch, OIDC_RP_CLIENT_ID=CLIENT_ID, OIDC_OP_DISCOVERY="http://127.0.0.1:9/")
    response = client.get(START)
    assert response["Location"] == LOGIN
    assert "single sign-on did not answer" in login_page_text(client)
    client.post(LOGIN, {"username": "E1001", "password": PASSWORD})
    assert signed_in_user_id(client) == learner.user_id


def test_without_configuration_there_is_no_button_no_backend_and_no_sign_on_pages(client, settings, monkeypatch,
                                                                                  learner):
    values = configure(settings, monkeypatch)
    assert not values["JIFEN_OIDC_ENABLED"] and not values["JIFEN_LDAP_ENABLED"]
    assert not any("sso" in backend for backend in values["AUTHENTICATION_BACKENDS"])
    assert START not in client.get(LOGIN).content.decode()
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK + "?" + urlencode({"code": "x", "state": "y"})).status_code == 404


def test_a_person_who_leaves_is_signed_out_at_their_next_request(client, oidc, learner):
    oidc.sign_in_as("u-1", employee_no="E1001")
    sign_in(client)
    assert client.get(reverse("core:home")).status_code == 200
    services.person_update(person=learner, status=Person.Status.LEFT)
    assert client.get(reverse("core:home"))["Location"].startswith(LOGIN)


def test_with_email_matching_switched_off_only_the_employee_number_finds_people(client, settings, monkeypatch,
                                                                                idp, learner):
    configure(settings, monkeypatch, OIDC_RP_CLIENT_ID=CLIENT_ID, OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
              OIDC_OP_DISCOVERY=idp.issuer, OIDC_EMAIL_CLAIM="", OIDC_EMPLOYEE_NO_CLAIM="preferred_username")
    idp.sign_in_as("u-1", email="yutong.zheng@example.com")
    sign_in(client)
    assert signed_in_user_id(client) is None
    idp.sign_in_as("u-1", preferred_username="E1001", email="someone@example.com")
    sign_in(client)
    assert signed_in_user_id(client) == learner.user_id
