"""On a phone: a learner finds a course in the catalogue, enrols in its next session, and sees it in
"my courses"."""

import pytest
from playwright.sync_api import expect

from jifen.catalog.demo import build_demo as build_catalog
from jifen.catalog.models import Enrolment
from jifen.org.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_learner_self_enrols_from_the_catalogue_on_a_phone(demo, live_url, phone_page, login):
    build_catalog()
    page = phone_page
    login(page, "JF0007", DEMO_PASSWORD)  # 郑雨桐, learner

    page.goto(f"{live_url}/courses/")
    page.fill("input[name=q]", "演讲")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").tap()
    cards = page.locator(".course-card")
    expect(cards).to_have_count(1)
    assert page.evaluate(FITS_THE_SCREEN), "the catalogue scrolls sideways on a phone"

    with page.expect_navigation():
        cards.first.locator("a").first.tap()
    expect(page.locator("h1")).to_have_text("演讲与表达")
    enrol = page.locator(".session-card form[action$='/enrol/'] button")
    expect(enrol).to_be_visible()
    box = enrol.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    with page.expect_navigation():
        enrol.tap()

    expect(page.locator(".session-card .status-enrolled")).to_be_visible()
    expect(page.locator(".session-card form[action$='/cancel/'] button")).to_be_visible()
    assert page.evaluate(FITS_THE_SCREEN)
    assert Enrolment.objects.filter(person__employee_no="JF0007", session__course__code="TALK-02",
                                    status="enrolled").exists()

    page.goto(f"{live_url}/courses/mine/")
    expect(page.locator("main")).to_contain_text("演讲与表达")
    assert page.evaluate(FITS_THE_SCREEN), "my courses scrolls sideways on a phone"
