"""Logging in with the employee number, and what a wrong password looks like."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from jifen.accounts.forms import LoginForm
from jifen.org.tests.factories import PASSWORD
from tests.browser.helpers import try_login

pytestmark = pytest.mark.browser


def test_a_learner_logs_in_with_their_employee_number_and_lands_on_home(org, live_url, page):
    org.person(no="JF9001", name="郑雨桐")

    page.goto(live_url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label(re.compile("number|工号|学号|编号", re.IGNORECASE)).fill("JF9001")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()

    expect(page).to_have_url(live_url + "/")
    expect(page.locator("h1")).to_contain_text("郑雨桐")
    expect(page.locator("main")).to_contain_text("JF9001")  # their own card: number, unit, position
    expect(page.locator("main")).to_contain_text("总部/研发中心/平台组")


def test_a_wrong_password_keeps_the_learner_on_the_login_page_with_the_translated_error(org, live_url, page):
    org.person(no="JF9002")
    with translation.override("zh-hans"):
        chinese_error = str(LoginForm.error_messages["invalid_login"])
    with translation.override("en"):
        english_error = str(LoginForm.error_messages["invalid_login"])
    assert chinese_error != english_error, "the login error is not in the Chinese catalogue (make messages?)"

    try_login(page, "JF9002", "not the password", base_url=live_url)

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".form-error")).to_have_text(chinese_error)
    expect(page.locator("input[name=username]")).to_have_value("JF9002")  # no retyping the number
    expect(page.locator("input[name=password]")).to_have_value("")

    # The same mistake in English shows the English sentence.
    page.locator(".lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    try_login(page, "JF9002", "still not the password", base_url=live_url)
    expect(page.locator(".form-error")).to_have_text(english_error)
