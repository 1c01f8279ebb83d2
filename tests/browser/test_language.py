"""Chinese by default; English on request, remembered on the login itself."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from jifen.accounts.models import User
from jifen.org.tests.factories import PASSWORD
from tests.browser import helpers

pytestmark = pytest.mark.browser


def _in(language: str, message: str, **values) -> str:
    """What the catalogue says for ``message`` in ``language`` (translators may reword it)."""
    with translation.override(language):
        return gettext(message) % values if values else gettext(message)


def test_the_app_starts_in_chinese_and_remembers_english_on_the_users_login(
    org, live_url, page, browser, login
):
    person = org.person(no="JF9101", name="郑雨桐")
    login(page, "JF9101", PASSWORD)

    html = page.locator("html")
    switch = page.locator("header .lang-switch")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(switch.locator("button.current")).to_have_attribute("value", "zh-hans")
    expect(switch.locator("button[aria-current=true]")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(_in("zh-hans", "Hello, %(name)s", name="郑雨桐"))

    switch.get_by_role("button", name="English").click()

    expect(html).to_have_attribute("lang", "en")
    expect(switch.locator("button.current")).to_have_attribute("value", "en")
    expect(page.locator("h1")).to_have_text(_in("en", "Hello, %(name)s", name="郑雨桐"))
    expect(page.locator("#sidenav")).to_contain_text(_in("en", "My profile"))
    assert User.objects.get(pk=person.user_id).language == "en"

    helpers.logout(page)
    helpers.login(page, "JF9101", PASSWORD, base_url=live_url)
    expect(html).to_have_attribute("lang", "en")

    # Another browser, no cookie: the login page is Chinese, and English comes back on login.
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        elsewhere = other.new_page()
        elsewhere.goto(live_url + helpers.LOGIN_PATH)
        expect(elsewhere.locator("html")).to_have_attribute("lang", "zh-hans")
        helpers.login(elsewhere, "JF9101", PASSWORD, base_url=live_url)
        expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
        expect(elsewhere.locator("h1")).to_have_text(_in("en", "Hello, %(name)s", name="郑雨桐"))
    finally:
        other.close()
