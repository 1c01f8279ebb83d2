"""The tracking report in a real browser: a manager enters a business result for their department,
and the training admin reads the report with its charts drawn and downloads the PDF."""

import pytest
from playwright.sync_api import expect

from jifen.org.demo import DEMO_PASSWORD
from jifen.tracking.followup.demo import build_demo as build_followup_demo
from jifen.tracking.followup.models import Plan
from jifen.tracking.reports.models import BusinessMeasure

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(demo):
    build_followup_demo()
    return Plan.objects.get()


def test_a_manager_enters_a_business_result_and_the_admin_reads_it_in_the_report(plan, live_url, page, login):
    login(page, "JF0006", DEMO_PASSWORD)  # 吴海涛, the platform team's manager
    page.goto(f"{live_url}/tracking/reports/measures/")
    page.locator(f"a[href='/tracking/reports/plans/{plan.pk}/measures/']").click()
    page.locator("input[name=name]").fill("客户投诉")
    page.locator("input[name=unit]").fill("件/月")
    page.locator("input[name=higher_is_better]").uncheck()
    page.locator("input[name=baseline]").fill("12")
    page.locator("input[name=current]").fill("7")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    assert BusinessMeasure.objects.filter(plan=plan, name="客户投诉", org_unit__name="平台组").exists()

    page.context.clear_cookies()
    login(page, "JF0003", DEMO_PASSWORD)  # 林晓雯, training admin
    page.goto(f"{live_url}/tracking/reports/")
    page.locator(f"a[href='/tracking/reports/plans/{plan.pk}/']").click()
    expect(page.locator("#goals tr[data-goal=satisfaction]")).to_be_visible()
    expect(page.locator("[data-chart=chart-measures] svg")).to_be_visible()  # ECharts drew it
    expect(page.locator("[data-chart=chart-goals] svg")).to_be_visible()
    expect(page.locator("body")).to_contain_text("客户投诉")
    with page.expect_download() as download:
        page.locator(f"a[href='/tracking/reports/plans/{plan.pk}/report.pdf']").first.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
