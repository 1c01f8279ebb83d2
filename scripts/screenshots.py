"""Take the README screenshots from a running Jifen that has the demo data.

Starts nothing itself: run the app first (with ``jifen demo`` data), on a port of its own, e.g.

    JIFEN_DATA_DIR=/tmp/jifen-shots PORT=8765 make run      # in one terminal
    .venv/bin/python scripts/screenshots.py                 # in another

Usage: scripts/screenshots.py [BASE_URL] [--out DIR]   (default http://127.0.0.1:8765, docs/screenshots)

Pages are shown in Chinese (the default language). Uses the Debian Chromium (/usr/bin/chromium,
or CHROMIUM=...). PNGs at device scale factor 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

DEMO_PASSWORD = "jifen-demo"  # noqa: S105 - the published demo password (jifen.org.demo)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WIDE = {"viewport": {"width": 1280, "height": 800}}
ROOT = Path(__file__).resolve().parents[1]


class Shooter:
    def __init__(self, browser: Browser, base_url: str, out: Path):
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.out = out
        self.taken: list[Path] = []

    def session(self, device: dict, login: str | None) -> Page:
        context = self.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1,
                                           **device)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if login:
            page.goto(self.base_url + "/accounts/login/")
            page.fill("input[name=username]", login)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form:has(input[name=password]) button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            self.ensure_chinese(page)
        return page

    @staticmethod
    def ensure_chinese(page: Page) -> None:
        """A demo login may have been switched to English by someone: switch it back."""
        if page.locator("html").get_attribute("lang") != "zh-hans":
            page.locator(".lang-switch button[value=zh-hans]").first.click()
            expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    def shoot(self, page: Page, name: str, *, full_page: bool = False) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring / caret
        target = self.out / f"{name}.png"
        page.screenshot(path=str(target), full_page=full_page, animations="disabled", caret="hide")
        self.taken.append(target)
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  ({page.url})")

    def run(self) -> None:
        # Login page on a phone.
        page = self.session(PHONE, login=None)
        page.goto(self.base_url + "/accounts/login/")
        self.shoot(page, "login-phone")
        page.context.close()

        # A learner's home page on a phone.
        page = self.session(PHONE, login="JF0007")
        page.goto(self.base_url + "/")
        self.shoot(page, "home-phone")
        page.context.close()

        # Wide pages, as the training admin (sees the whole organisation).
        page = self.session(WIDE, login="JF0003")
        page.goto(self.base_url + "/org/people/")
        expect(page.locator("#people-results tbody tr").first).to_be_visible()
        self.shoot(page, "people")

        page.goto(self.base_url + "/org/units/")
        twisty = page.locator(".tree-card > ul > li.tree-node > button.twisty").first
        twisty.click()
        expect(twisty).to_have_attribute("aria-expanded", "true")
        expect(page.locator(".tree-card .branch li.tree-node").first).to_be_visible()
        self.shoot(page, "org-tree")

        page.goto(self.base_url + "/org/people/?q=JF0007")
        page.locator("#people-results tbody a").first.click()
        page.wait_for_url("**/org/people/*/")
        self.shoot(page, "person")

        page.goto(self.base_url + "/courses/gaps/")
        self.shoot(page, "gap-report")
        page.goto(self.base_url + "/recognition/leaderboard/?scope=company&period=year")
        page.locator(".chart svg").first.wait_for()
        self.shoot(page, "leaderboard")
        page.goto(self.base_url + "/tracking/plans/")
        page.locator("main a[href*='/tracking/plans/'][href$='/']").last.click()
        page.wait_for_url("**/tracking/plans/*/")
        self.shoot(page, "tracking-plan")
        page.goto(self.base_url + "/growth/actions/")
        page.locator(".chart svg").first.wait_for()
        self.shoot(page, "improvement-actions")
        page.context.close()

        # A learner on a phone: courses, progress, rewards, badges.
        page = self.session(PHONE, login="JF0007")
        for path, name in (("/courses/", "catalog-phone"), ("/courses/progress/", "progress-phone"),
                           ("/rewards/", "store-phone"), ("/recognition/badges/", "badges-phone"),
                           ("/tracking/", "followup-phone")):
            page.goto(self.base_url + path)
            self.shoot(page, name)
        page.goto(self.base_url + "/exams/")
        page.locator("a[href*='/start/'], form[action*='/start/'] button").first.wait_for()
        self.shoot(page, "quizzes-phone")
        page.context.close()



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8765")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            shooter = Shooter(browser, args.base_url, args.out)
            shooter.run()
        finally:
            browser.close()
    print(f"{len(shooter.taken)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
