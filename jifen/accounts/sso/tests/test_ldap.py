"""Logging in with the directory (LDAP) password: a real slapd checks it; the person is found in Jifen by the
entry's employeeNumber, else its mail; wrong passwords count towards the lock like any other."""

import pytest
from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.urls import reverse

from jifen.accounts.sso.conf import LDAP_BACKEND, NUMBER_OR_EMAIL_BACKEND
from jifen.accounts.sso.tests.helpers import configure
from jifen.accounts.sso.tests.slapd import ADMIN_DN, ADMIN_PASSWORD, PEOPLE
from jifen.org import services
from jifen.org.models import Person
from jifen.org.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture
def ldap_on(settings, monkeypatch, directory):
    return configure(settings, monkeypatch, LDAP_SERVER_URI=directory.uri, LDAP_BIND_DN=ADMIN_DN,
                     LDAP_BIND_PASSWORD=ADMIN_PASSWORD, LDAP_USER_SEARCH_BASE=PEOPLE)


@pytest.fixture
def learner(org) -> Person:
    return org.person(no="E1001", name="郑雨桐", email="yutong.zheng@example.com")


def log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_the_directory_password_logs_in_the_person_with_that_employee_number(client, ldap_on, learner):
    response = log_in(client, "yutong", "ldap-pass-yutong")
    assert response.status_code == 302 and signed_in_user_id(client) == learner.user_id
    assert client.session["_auth_user_backend"] == LDAP_BACKEND
    assert AccessLog.objects.filter(username="E1001").count() == 1


def test_the_employee_number_or_email_can_be_typed_with_the_directory_password(client, ldap_on, learner):
    log_in(client, "E1001", "ldap-pass-yutong")
    assert signed_in_user_id(client) == learner.user_id
    client.logout()
    log_in(client, "yutong.zheng@example.com", "ldap-pass-yutong")
    assert signed_in_user_id(client) == learner.user_id


def test_an_entry_without_an_employee_number_finds_the_person_by_email(client, ldap_on, org):
    person = org.person(no="E1002", email="Wei.Li@example.com")
    log_in(client, "liwei", "ldap-pass-liwei")
    assert signed_in_user_id(client) == person.user_id


def test_a_person_without_a_login_gets_one_on_first_directory_login(client, ldap_on, org):
    person = org.person(no="E1002", email="wei.li@example.com")
    old_login = person.user
    Person.objects.filter(pk=person.pk).update(user=None)
    old_login.delete()
    log_in(client, "liwei", "ldap-pass-liwei")
    person.refresh_from_db()
    assert person.user is not None and signed_in_user_id(client) == person.user_id
    assert person.user.username == "E1002" and not person.user.has_usable_password()


def test_a_wrong_directory_password_is_refused_with_the_usual_message(client, ldap_on, learner):
    response = log_in(client, "yutong", "not-the-password")
    assert response.status_code == 200 and signed_in_user_id(client) is None
    assert errors(response) == errors(log_in(client, "nobody-at-all", "whatever"))


def test_wrong_directory_passwords_lock_the_login_like_any_other(client, ldap_on, learner):
    for _ in range(4):
        assert log_in(client, "yutong", "guess").status_code == 200
    assert log_in(client, "yutong", "guess").status_code == 429
    assert log_in(client, "yutong", "ldap-pass-yutong").status_code == 429
    assert signed_in_user_id(client) is None


def test_a_directory_account_that_matches_no_one_is_refused_with_a_reason_and_gets_no_login(client, ldap_on,
                                                                                          learner):
    users_before = get_user_model().objects.count()
    response = log_in(client, "stranger", "ldap-pass-stranger")
    assert response.status_code == 200 and signed_in_user_id(client) is None
    assert "matches no one in Jifen" in errors(response)[0]
    assert get_user_model().objects.count() == users_before


def test_a_person_who_left_is_refused_even_with_the_right_directory_password(client, ldap_on, org):
    leaver = org.person(no="E1003")
    services.person_update(person=leaver, status=Person.Status.LEFT)
    response = log_in(client, "leaver", "ldap-pass-leaver")
    assert signed_in_user_id(client) is None
    assert "recorded as having left" in errors(response)[0]


def test_jifen_passwords_still_work_beside_the_directory(client, ldap_on, learner):
    log_in(client, "E1001", PASSWORD)
    assert signed_in_user_id(client) == learner.user_id
    assert client.session["_auth_user_backend"] == NUMBER_OR_EMAIL_BACKEND


def test_when_the_directory_is_down_jifen_passwords_still_work(client, settings, monkeypatch, learner):
    configure(settings, monkeypatch, LDAP_SERVER_URI="ldap://127.0.0.1:9", LDAP_USER_SEARCH_BASE=PEOPLE)
    assert log_in(client, "yutong", "ldap-pass-yutong").status_code == 200
    log_in(client, "E1001", PASSWORD)
    assert signed_in_user_id(client) == learner.user_id


def test_the_directory_is_asked_before_jifen_passwords_and_only_when_configured(settings, monkeypatch):
    backends = configure(settings, monkeypatch, LDAP_SERVER_URI="ldap://127.0.0.1:9",
                         LDAP_USER_SEARCH_BASE=PEOPLE)["AUTHENTICATION_BACKENDS"]
    assert backends.index(LDAP_BACKEND) == backends.index(NUMBER_OR_EMAIL_BACKEND) - 1
    assert LDAP_BACKEND not in configure(settings, monkeypatch)["AUTHENTICATION_BACKENDS"]


def test_a_person_who_leaves_is_signed_out_at_their_next_request(client, ldap_on, learner):
    log_in(client, "yutong", "ldap-pass-yutong")
    assert client.get(reverse("core:home")).status_code == 200
    services.person_update(person=learner, status=Person.Status.LEFT)
    assert client.get(reverse("core:home"))["Location"].startswith(LOGIN)
