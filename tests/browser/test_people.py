"""The people list: live search, unit filter, and a manager's view limited to their subtree."""

import re

import pytest
from playwright.sync_api import expect

from jifen.org.tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(org):
    """Four people: three in 平台组 (two named 王…), one in 市场部."""
    return {
        "wang_ming": org.person(no="JF9201", name="王小明"),
        "wang_hong": org.person(no="JF9202", name="王小红"),
        "li": org.person(no="JF9203", name="李四"),
        "zhang": org.person(no="JF9204", name="张三", unit=org.marketing),
    }


def _names(page):
    return page.locator("#people-results tbody td[data-label] a")


def test_an_admin_searches_people_by_name_without_reloading_the_page(org, staff, live_url, page, login):
    admin = org.system_admin()
    login(page, admin.username, PASSWORD)
    page.goto(live_url + "/org/people/")
    expect(_names(page)).to_have_count(4)
    page.evaluate("window.__sameDocument = true")

    page.get_by_role("searchbox").press_sequentially("王小", delay=30)

    expect(_names(page)).to_have_text(["王小明", "王小红"])
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the whole page"
    expect(page).to_have_url(re.compile(r"/org/people/\?.*q=%E7%8E%8B%E5%B0%8F"))  # shareable URL

    page.get_by_role("searchbox").fill("JF9204")
    expect(_names(page)).to_have_text(["张三"])
    assert page.evaluate("window.__sameDocument === true")


def test_an_admin_filters_the_people_list_by_unit(org, staff, live_url, page, login):
    admin = org.system_admin()
    login(page, admin.username, PASSWORD)
    page.goto(live_url + "/org/people/")
    page.evaluate("window.__sameDocument = true")

    page.locator("select[name=unit]").select_option(label="总部/市场部")
    expect(_names(page)).to_have_text(["张三"])

    page.locator("select[name=unit]").select_option(label="总部/研发中心")  # a unit includes its subtree
    expect(_names(page)).to_have_text(["王小明", "王小红", "李四"])
    assert page.evaluate("window.__sameDocument === true")

    page.reload()  # the filter is in the URL, so it survives a reload
    expect(page.locator("select[name=unit] option:checked")).to_have_text("总部/研发中心")
    expect(_names(page)).to_have_count(3)


def test_a_manager_sees_only_their_subtree_and_people_outside_it_are_not_found(
    org, staff, live_url, page, login
):
    org.manager_of(org.platform, no="JF9210", name="吴海涛")
    login(page, "JF9210", PASSWORD)
    page.goto(live_url + "/org/people/")

    expect(_names(page)).to_have_text(["王小明", "王小红", "李四", "吴海涛"])
    unit_choices = page.locator("select[name=unit] option").all_inner_texts()
    assert "总部/研发中心/平台组" in unit_choices
    assert "总部/市场部" not in unit_choices

    response = page.goto(f"{live_url}/org/people/{staff['zhang'].pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("张三")

    response = page.goto(f"{live_url}/org/people/{staff['li'].pk}/")
    assert response.status == 200
    expect(page.locator("h1")).to_contain_text("李四")
