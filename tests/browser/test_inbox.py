"""The inbox in a real browser, on a phone: the unread count in the top bar, opening a message goes to
what it is about, and marking everything read clears the count."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.notify import services
from jifen.notify.models import Kind, Notification
from jifen.org.demo import DEMO_PASSWORD
from jifen.org.models import Person

pytestmark = pytest.mark.browser

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_learner_reads_their_inbox_on_a_phone(demo, live_url, phone_page, login):
    page = phone_page
    learner = Person.objects.get(employee_no="JF0007")
    now = timezone.now()
    for n, (title, url) in enumerate((("本周积分通知", "/points/"), ("必修课即将到期", "/courses/mine/"),
                                      ("跟踪任务提醒", "/tracking/"))):
        services.notify(user=learner.user, kind=Kind.OTHER, title=title, body=f"第{n}条", url=url,
                        key=f"browser:{n}", now=now + dt.timedelta(seconds=n))
    login(page, "JF0007", DEMO_PASSWORD)
    expect(page.locator(".inbox-chip .count")).to_have_text("3")
    page.locator(".inbox-chip").tap()
    page.wait_for_url(f"{live_url}/notifications/")
    assert page.evaluate(FITS_THE_SCREEN), "the inbox scrolls sideways on a phone"
    expect(page.locator("ul.inbox li.unread")).to_have_count(3)
    page.locator("ul.inbox li", has_text="本周积分通知").locator("a").tap()
    page.wait_for_url(f"{live_url}/points/")
    expect(page.locator(".inbox-chip .count")).to_have_text("2")
    page.locator(".inbox-chip").tap()
    page.wait_for_url(f"{live_url}/notifications/")
    page.locator("button[name=all]").tap()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator(".inbox-chip .count")).to_have_count(0)
    assert not Notification.objects.filter(user=learner.user, read_at__isnull=True).exists()
