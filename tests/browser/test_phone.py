"""On a phone: the navigation sits behind ☰, and the people list fits the screen."""

import pytest
from playwright.sync_api import expect

from jifen.org.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


def test_on_a_phone_the_nav_is_behind_the_menu_button_and_the_people_list_fits_the_screen(
    demo, live_url, phone_page, login
):
    page = phone_page
    login(page, "JF0003", DEMO_PASSWORD)  # training admin: sees everybody
    assert page.evaluate(FITS_THE_SCREEN), "the home page scrolls sideways on a phone"

    nav = page.locator("#sidenav")
    toggle = page.locator("[data-nav-toggle]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).not_to_be_in_viewport()

    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_in_viewport()
    nav.locator("a[href='/org/people/']").tap()

    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#people-results tbody tr")).to_have_count(25)  # one page
    expect(nav).not_to_be_in_viewport()  # a new page starts with the menu closed
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the people list scrolls sideways: scrollWidth, innerWidth = {widths}"
    # Readable: rows are stacked cards with their labels, not a squeezed 6-column table.
    expect(page.locator("#people-results thead")).to_be_hidden()
    first_row = page.locator("#people-results tbody tr").first
    name_cell = first_row.locator("td[data-label]").nth(1)
    label = page.evaluate("(cell) => getComputedStyle(cell, '::before').content", name_cell.element_handle())
    assert label.strip('"') == name_cell.get_attribute("data-label")
    box = first_row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
