"""Roster import in a real browser: a file with one bad row is shown row by row, and nothing is imported."""

import re

import pytest
from playwright.sync_api import expect

from jifen.org.models import Person
from jifen.org.tests.factories import PASSWORD

pytestmark = pytest.mark.browser

ROSTER = (
    "工号,姓名,部门,岗位,上级工号,邮箱,电话,入职日期,状态\r\n"
    "E9001,张三,总部/研发中心/平台组,软件工程师,,zhang@example.com,13800000001,2024/3/1,在职\r\n"
    "E9002,李四,总部/研发中心/新组,软件工程师,E9001,,,2024-02-30,在职\r\n"
)


def test_an_admin_uploads_a_roster_with_a_bad_row_and_sees_the_row_and_reason(org, live_url, page, login, settings,
                                                                               tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = org.system_admin()
    login(page, admin.username, PASSWORD)
    page.goto(live_url + "/org/import/")

    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("gbk")})
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/org/import/[A-Za-z0-9_-]{32}/$"))
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first.locator("td").nth(1)).to_have_text("入职日期")
    expect(errors.first.locator("td").nth(2)).to_contain_text("2024-02-30")
    expect(page.locator("button[name=action][value=commit]")).to_have_count(0)
    assert not Person.objects.filter(employee_no__in=["E9001", "E9002"]).exists()
