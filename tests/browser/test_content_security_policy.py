"""The Content-Security-Policy forbids inline scripts and eval: the pages with charts and htmx still work
in a real browser, and the browser reports no violation of the policy on any of them."""

import pytest
from playwright.sync_api import expect

from jifen.org.demo import DEMO_PASSWORD
from jifen.org.tests.factories import PASSWORD

pytestmark = pytest.mark.browser

VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch_for_violations(page) -> list[str]:
    """Collect CSP reports from the console and from securitypolicyviolation events on every page load."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.add_init_script(VIOLATION_LISTENER)
    return seen


def violations(page, console: list[str]) -> list[str]:
    return console + page.evaluate("window.__cspViolations || []")


def test_charts_and_htmx_work_under_the_policy_with_no_violations(demo, live_url, page, login):
    console = watch_for_violations(page)

    login(page, "JF0003", DEMO_PASSWORD)  # training admin: the training dashboard's charts
    response = page.goto(f"{live_url}/dashboards/training/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("[data-chart=hot-courses] svg")).to_be_visible()  # ECharts drew it (SVG renderer)
    expect(page.locator("[data-chart=point-sources] svg")).to_be_visible()
    assert violations(page, console) == []

    page.context.clear_cookies()
    login(page, "admin", DEMO_PASSWORD)  # the people list filters through htmx as one types; API docs, admin
    page.goto(f"{live_url}/org/people/")
    before = page.locator("#people-results tbody tr").count()
    with page.expect_response(lambda r: "/org/people/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("form.filters input[type=search]").fill("JF0007")
    expect(page.locator("#people-results tbody tr")).to_have_count(1)
    assert before > 1
    page.goto(f"{live_url}/api/v1/docs")
    expect(page.locator(".swagger-ui").first).to_be_visible()  # Swagger UI ran from the local files
    page.goto(f"{live_url}/admin/")
    expect(page.locator("#content")).to_be_visible()
    assert violations(page, console) == []

    page.context.clear_cookies()
    login(page, "JF0007", DEMO_PASSWORD)  # a learner's home
    page.goto(f"{live_url}/")
    expect(page.locator("main")).to_be_visible()
    assert violations(page, console) == []


def test_an_inline_script_is_blocked_and_reported(org, live_url, page, login):
    # The watcher above is only worth something if it sees a violation when there is one.
    console = watch_for_violations(page)
    learner = org.person()
    login(page, learner.employee_no, PASSWORD)
    page.goto(f"{live_url}/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in line for line in violations(page, console))

