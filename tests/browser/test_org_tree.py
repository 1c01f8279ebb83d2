"""The org tree opens a unit's children in place (htmx) and closes them again."""

import pytest
from playwright.sync_api import expect

from jifen.org.tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_org_tree_expands_a_units_children_in_place(org, live_url, page, login):
    admin = org.system_admin()
    login(page, admin.username, PASSWORD)
    page.goto(live_url + "/org/units/")
    page.evaluate("window.__sameDocument = true")

    tree = page.locator(".tree-card")
    root = tree.locator("> ul > li.tree-node").filter(has=page.locator("> a", has_text="总部"))
    expect(root).to_have_count(1)
    expect(tree).not_to_contain_text("研发中心")
    twisty = root.locator("> button.twisty")
    expect(twisty).to_have_attribute("aria-expanded", "false")

    with page.expect_response(lambda r: r.url.endswith(f"/org/units/{org.root.pk}/children/")) as answer:
        twisty.click()
    assert answer.value.request.headers.get("hx-request") == "true"
    children = root.locator("> .branch > ul > li.tree-node > a")
    expect(children).to_contain_text(["研发中心"])
    expect(children).to_contain_text(["市场部"])
    expect(twisty).to_have_attribute("aria-expanded", "true")

    # One level deeper: 研发中心 has 平台组.
    rnd = root.locator("> .branch > ul > li.tree-node").filter(has=page.locator("> a", has_text="研发中心"))
    rnd.locator("> button.twisty").click()
    expect(rnd.locator("> .branch")).to_contain_text("平台组")

    # Closing hides the branch again, still on the same page.
    twisty.click()
    expect(twisty).to_have_attribute("aria-expanded", "false")
    expect(tree).not_to_contain_text("研发中心")
    assert page.evaluate("window.__sameDocument === true"), "the tree reloaded the whole page"
