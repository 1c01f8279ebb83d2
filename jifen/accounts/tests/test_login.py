"""Logging in and out: by number or e-mail, locked after repeated wrong passwords, and changing one's password."""

import pytest
from django.test import Client
from django.urls import reverse

from jifen.org import services
from jifen.org.models import Person
from jifen.org.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def learner(org) -> Person:
    return org.person(no="E1001", name="郑雨桐", email="yutong.zheng@example.com")


def log_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---------------------------------------------------------------- logging in


def test_a_person_logs_in_with_their_employee_number(client, learner):
    response = log_in(client, "E1001")
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert int(client.session["_auth_user_id"]) == learner.user_id
    assert "郑雨桐" in client.get(reverse("core:home")).content.decode()


def test_a_person_logs_in_with_their_email_in_any_case(client, learner):
    assert log_in(client, "YuTong.Zheng@EXAMPLE.com").status_code == 302
    assert int(client.session["_auth_user_id"]) == learner.user_id


def test_spaces_around_the_number_are_forgiven(client, learner):
    log_in(client, "  E1001 ")
    assert signed_in(client)


def test_a_wrong_password_is_refused_with_a_message_that_does_not_say_which_part_was_wrong(client, learner):
    wrong_password = log_in(client, "E1001", "not the password")
    unknown_login = log_in(client, "E9999", PASSWORD)
    assert wrong_password.status_code == unknown_login.status_code == 200
    assert not signed_in(client)
    assert wrong_password.context["form"].non_field_errors() == unknown_login.context["form"].non_field_errors()


def test_a_person_who_left_cannot_log_in_by_number_or_email(client, learner):
    services.person_update(person=learner, status=Person.Status.LEFT)
    log_in(client, "E1001")
    log_in(client, "yutong.zheng@example.com")
    assert not signed_in(client)


def test_after_logging_in_you_land_on_the_page_you_asked_for(client, learner):
    response = log_in(client, "E1001", next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"


def test_logging_in_never_sends_you_to_another_site(client, learner):
    for target in ("https://evil.example/", "//evil.example/", "https:evil.example"):
        response = Client().post(LOGIN, {"username": "E1001", "password": PASSWORD, "next": target})
        assert response.status_code == 302
        assert response["Location"] == reverse("core:home"), target


def test_the_login_page_sends_a_signed_in_person_home(client, learner):
    client.force_login(learner.user)
    assert client.get(LOGIN)["Location"] == reverse("core:home")


def test_a_page_asked_for_before_logging_in_comes_back_after_it(client, learner):
    response = client.get(reverse("accounts:profile"))
    assert response["Location"] == f"{LOGIN}?next=/accounts/profile/"


def test_the_login_form_needs_a_csrf_token(learner):
    strict = Client(enforce_csrf_checks=True)
    assert log_in(strict, "E1001").status_code == 403
    page = strict.get(LOGIN)
    token = page.cookies["csrftoken"].value
    assert log_in(strict, "E1001", csrfmiddlewaretoken=token).status_code == 302


# ---------------------------------------------------------------- brute force


def test_five_wrong_passwords_lock_the_login_and_show_the_locked_page(client, learner):
    for _ in range(4):
        assert log_in(client, "E1001", "guess").status_code == 200
    locked = log_in(client, "E1001", "guess")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]


def test_while_locked_even_the_right_password_is_refused(client, learner):
    for _ in range(5):
        log_in(client, "E1001", "guess")
    response = log_in(client, "E1001", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    assert not signed_in(log_in_fresh("E1001"))


def log_in_fresh(username, password=PASSWORD) -> Client:
    client = Client()
    log_in(client, username, password)
    return client


def test_the_lock_cannot_be_dodged_by_switching_to_the_email_address(client, learner):
    for attempt in ("E1001", "yutong.zheng@example.com", "YUTONG.ZHENG@example.com", "Yutong.Zheng@Example.com",
                    " E1001"):
        log_in(client, attempt, "guess")
    assert not signed_in(log_in_fresh("yutong.zheng@example.com"))
    assert not signed_in(log_in_fresh("E1001"))


def test_a_lock_on_one_login_does_not_lock_out_a_colleague_at_the_same_computer(client, learner, org):
    colleague = org.person(no="E1002")
    for _ in range(5):
        log_in(client, "E1001", "guess")
    assert signed_in(log_in_fresh(colleague.employee_no))


def test_a_successful_login_clears_earlier_failures(client, learner):
    for _ in range(4):
        log_in(client, "E1001", "guess")
    log_in(client, "E1001")
    assert signed_in(client)
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        log_in(client, "E1001", "guess")
    assert signed_in(log_in_fresh("E1001"))


# ---------------------------------------------------------------- logging out


def test_logging_out_needs_a_post(client, learner):
    client.force_login(learner.user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(client)


def test_after_logging_out_the_pages_need_a_login_again(client, learner):
    client.force_login(learner.user)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:home"))["Location"].startswith(LOGIN)
    assert client.get("/api/v1/me").status_code == 401


# ---------------------------------------------------------------- changing one's password


def change_password(client, old, new1, new2=None):
    return client.post(reverse("accounts:profile"),
                       {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def test_a_person_changes_their_password_and_stays_logged_in(client, learner):
    client.force_login(learner.user)
    response = change_password(client, PASSWORD, "violet mountain river 9")
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200  # the session survived
    assert signed_in(log_in_fresh("E1001", "violet mountain river 9"))
    assert not signed_in(log_in_fresh("E1001", PASSWORD))


def test_changing_the_password_needs_the_current_one(client, learner):
    client.force_login(learner.user)
    response = change_password(client, "not my password", "violet mountain river 9")
    assert response.status_code == 200
    assert response.context["password_form"].errors["old_password"]
    assert signed_in(log_in_fresh("E1001", PASSWORD))


def test_a_weak_or_mistyped_new_password_is_refused(client, learner):
    client.force_login(learner.user)
    assert change_password(client, PASSWORD, "12345678").status_code == 200
    assert change_password(client, PASSWORD, "violet mountain river 9", "violet mountain river 8").status_code == 200
    assert signed_in(log_in_fresh("E1001", PASSWORD))


def test_changing_the_password_signs_out_other_sessions(client, learner):
    elsewhere = log_in_fresh("E1001")
    client.force_login(learner.user)
    change_password(client, PASSWORD, "violet mountain river 9")
    response = elsewhere.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
