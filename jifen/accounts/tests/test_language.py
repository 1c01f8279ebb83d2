"""The page language: Chinese unless a person chooses English, and the choice follows the login."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jifen.accounts.models import User
from jifen.org.tests.factories import PASSWORD

LANGUAGE = reverse("accounts:language")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def page_language(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def test_pages_are_in_chinese_even_when_the_browser_asks_for_english(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page_language(response) == "zh-hans"
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_a_signed_in_person_without_a_choice_gets_chinese_too(client, org):
    client.force_login(org.person().user)
    assert page_language(client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"


def test_a_visitor_switches_to_english_for_the_login_page(client, db):
    response = client.post(LANGUAGE, {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(reverse("accounts:login"))
    assert page_language(english) == "en"
    assert "Log in" in english.content.decode()


def test_a_persons_choice_is_kept_on_their_login(client, org):
    person = org.person()
    client.force_login(person.user)
    client.post(LANGUAGE, {"language": "en", "next": "/"})
    assert User.objects.get(pk=person.user_id).language == "en"
    assert page_language(client.get(reverse("core:home"))) == "en"


def test_the_choice_follows_the_person_to_another_browser(client, org):
    person = org.person()
    client.force_login(person.user)
    client.post(LANGUAGE, {"language": "en", "next": "/"})

    elsewhere = Client()  # a new browser: no cookie, set up in Chinese
    elsewhere.post(reverse("accounts:login"), {"username": person.employee_no, "password": PASSWORD})
    response = elsewhere.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page_language(response) == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # the login page will match next time


def test_the_persons_choice_wins_over_the_cookie_of_a_shared_computer(org):
    person = org.person()
    User.objects.filter(pk=person.user_id).update(language="en")
    shared = Client()
    shared.post(LANGUAGE, {"language": "zh-hans"})
    shared.post(reverse("accounts:login"), {"username": person.employee_no, "password": PASSWORD})
    assert page_language(shared.get(reverse("core:home"))) == "en"


def test_switching_back_to_chinese_is_remembered_too(client, org):
    person = org.person()
    User.objects.filter(pk=person.user_id).update(language="en")
    client.force_login(User.objects.get(pk=person.user_id))
    client.post(LANGUAGE, {"language": "zh-hans", "next": "/"})
    assert User.objects.get(pk=person.user_id).language == "zh-hans"
    assert page_language(client.get(reverse("core:home"))) == "zh-hans"


def test_an_unknown_language_changes_nothing(client, org):
    person = org.person()
    client.force_login(person.user)
    response = client.post(LANGUAGE, {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=person.user_id).language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("target", [
    "https://evil.example", "https://evil.example/org/people/", "//evil.example/", "http:evil.example",
    "///evil.example", "\\\\evil.example", "javascript:alert(1)",
])
def test_the_language_switch_never_sends_you_to_another_site(client, db, target):
    response = client.post(LANGUAGE, {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_foreign_referer_is_not_followed_either(client, db):
    response = client.post(LANGUAGE, {"language": "en"}, HTTP_REFERER="https://evil.example/phish")
    assert response["Location"] == "/"


def test_the_language_switch_returns_to_the_page_you_were_on(client, db):
    response = client.post(LANGUAGE, {"language": "en", "next": "/org/people/?page=2"})
    assert response["Location"] == "/org/people/?page=2"


def test_the_language_switch_is_a_post_with_a_csrf_token(db):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(LANGUAGE).status_code == 405
    assert strict.post(LANGUAGE, {"language": "en"}).status_code == 403
