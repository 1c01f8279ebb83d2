"""Helpers shared by the browser tests (plain functions: import them, no fixture needed)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page

LOGIN_PATH = "/accounts/login/"


def login(page: Page, username: str, password: str, *, base_url: str | None = None) -> None:
    """Log in through the real login form and check that the app let us in.

    ``base_url`` defaults to the page's current origin; pass ``live_url`` on a fresh page.
    """
    if base_url is None:
        base_url = _origin(page.url)
    try_login(page, username, password, base_url=base_url)
    if urlsplit(page.url).path == LOGIN_PATH:
        errors = page.locator(".error").all_inner_texts()
        raise AssertionError(f"login as {username!r} failed, still on the login page: {errors}")


def try_login(page: Page, username: str, password: str, *, base_url: str) -> None:
    """Submit the login form without expecting success (for wrong-password tests)."""
    page.goto(base_url.rstrip("/") + LOGIN_PATH)
    if urlsplit(page.url).path != LOGIN_PATH:
        raise AssertionError(f"expected the login form, got {page.url} (already logged in?)")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")


def logout(page: Page) -> None:
    """Press the top bar's log-out button."""
    with page.expect_navigation():
        page.click("form[action$='/accounts/logout/'] button[type=submit]")


def _origin(url: str) -> str:
    match = re.match(r"^(https?://[^/]+)", url)
    if not match:
        raise ValueError(f"login() needs base_url on a page that has not been opened yet ({url!r})")
    return match.group(1)
