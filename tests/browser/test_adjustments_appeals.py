"""Adjustments and appeals end to end in a real browser: maker-checker on desktop, an appeal from
a phone and its reply."""

import pytest
from playwright.sync_api import expect

from jifen.ledger import services
from jifen.ledger.models import Account
from jifen.org.models import Role
from jifen.org.tests.factories import PASSWORD
from tests.browser.helpers import login as log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def points(person):
    return Account.objects.get(person=person, currency="points").balance


def test_a_training_admin_proposes_and_an_auditor_approves(org, live_url, page, browser, login):
    org.person(unit=org.rnd, no="A0001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    org.person(unit=org.root, no="H0001", name="赵审计", role=Role.HR_AUDITOR)
    learner = org.person(unit=org.platform, no="E0001", name="郑雨桐")

    login(page, "A0001", PASSWORD)
    page.goto(live_url + "/points/adjustments/new/")
    page.fill("input[name=employee_no]", "E0001")
    page.fill("input[name=amount]", "12.5")
    page.fill("textarea[name=reason]", "补录3月5日培训签到")
    page.set_input_files("input[name=evidence]", files=[
        {"name": "签到表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    with page.expect_navigation():
        page.click("form button.primary")
    expect(page.locator(".status-proposed")).to_be_visible()
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)  # not for the proposer

    checker = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    log_in(checker, "H0001", PASSWORD, base_url=live_url)
    checker.goto(page.url)
    expect(checker.get_by_text("签到表.pdf")).to_be_visible()
    with checker.expect_navigation():
        checker.click("form[action$='/approve/'] button")
    expect(checker.locator(".status-approved")).to_be_visible()
    checker.context.close()
    assert str(points(learner)) == "12.50"


def test_a_learner_appeals_from_a_phone_and_reads_the_reply(org, live_url, phone_page, page, login):
    org.person(unit=org.rnd, no="A0001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    learner = org.person(unit=org.platform, no="E0001", name="郑雨桐")
    services.award(person=learner, currency="points", amount=20, key="a1", reason="出勤 +20")
    services.penalize(person=learner, currency="points", amount=5, key="p1", reason="缺勤 -5")

    log_in(phone_page, "E0001", PASSWORD, base_url=live_url)
    phone_page.goto(live_url + "/points/")
    row = phone_page.locator("tbody tr", has_text="缺勤 -5")
    with phone_page.expect_navigation():
        row.locator("a[href$='/appeal/']").click()
    phone_page.fill("textarea[name=reason]", "那天我请了假，有OA审批记录")
    with phone_page.expect_navigation():
        phone_page.click("form button.primary")
    expect(phone_page.locator(".status-open")).to_be_visible()

    login(page, "A0001", PASSWORD)
    page.goto(live_url + "/points/appeals/")
    with page.expect_navigation():
        page.get_by_role("link", name="那天我请了假，有OA审批记录").click()
    page.fill("textarea[name=accept-reply]", "核实有请假审批，撤销扣分")
    with page.expect_navigation():
        page.click("form[action$='/accept/'] button")
    expect(page.locator(".status-accepted")).to_be_visible()

    phone_page.goto(live_url + "/points/appeals/mine/")
    expect(phone_page.get_by_text("核实有请假审批，撤销扣分")).to_be_visible()
    assert str(points(learner)) == "20.00"
