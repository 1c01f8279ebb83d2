"""QR check-in across two browsers: the trainer's screen shows the code, a learner's phone opens it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.learning.attendance.models import Attendance
from jifen.learning.attendance.tests.factories import make_session
from jifen.org.demo import DEMO_PASSWORD
from jifen.org.models import OrgUnit, Person

pytestmark = pytest.mark.browser


@pytest.fixture
def session_now(demo):
    """A session of the demo trainer (JF0005) that started five minutes ago, the learner JF0007 enrolled."""
    trainer = Person.objects.get(employee_no="JF0005")
    learner = Person.objects.get(employee_no="JF0007")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    return make_session(org_unit=OrgUnit.objects.get(name_path="总部/研发中心/平台组"), trainer=trainer,
                        starts_at=start, title="代码评审实战", enrol=[learner])


def test_a_learner_checks_in_with_a_phone_by_opening_the_code_on_the_trainers_screen(
    session_now, live_url, page, phone_page, login
):
    login(page, "JF0005", DEMO_PASSWORD)
    page.goto(f"{live_url}/attendance/sessions/{session_now.pk}/qr/")
    code = page.locator("[data-checkin-url]")
    expect(code).to_be_visible()
    expect(code.locator("svg")).to_be_visible()
    box = code.locator("svg").bounding_box()
    assert box["width"] >= 400, f"the code is too small to scan from the back of the room: {box}"
    url = code.get_attribute("data-checkin-url")
    assert url.startswith(f"{live_url}/attendance/c/{session_now.pk}/")
    expect(page.locator("[data-checkin-link]")).to_have_attribute("href", url)

    phone = phone_page
    login(phone, "JF0007", DEMO_PASSWORD)
    phone.goto(url)
    result = phone.locator("[data-result]")
    expect(result).to_have_attribute("data-result", "present")
    expect(result.locator("h1")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    record = Attendance.objects.get(session=session_now, person__employee_no="JF0007")
    assert record.status == "present" and record.device_id and record.user_agent

    # The trainer's screen counts the check-in on its next refresh.
    expect(page.locator(".att-qr-counts li").first.locator("strong")).to_have_text("1", timeout=10_000)


def test_a_code_opened_after_it_expired_is_refused_on_the_phone(session_now, live_url, phone_page, login):
    from jifen.learning.attendance import tokens

    old = tokens.make_token(session_now.pk, timezone.now() - dt.timedelta(seconds=61))
    login(phone_page, "JF0007", DEMO_PASSWORD)
    phone_page.goto(f"{live_url}/attendance/c/{session_now.pk}/{old}/")
    expect(phone_page.locator("[data-result]")).to_have_attribute("data-result", "refused")
    assert not Attendance.objects.exists()


def test_the_trainer_marks_a_learner_excused_on_the_roster_without_reloading(session_now, live_url, page, login):
    login(page, "JF0005", DEMO_PASSWORD)
    page.goto(f"{live_url}/attendance/sessions/{session_now.pk}/")
    learner = Person.objects.get(employee_no="JF0007")
    row = page.locator(f"#att-row-{learner.pk}")
    row.locator("select[name=status]").select_option("excused")
    row.locator("input[name=reason]").fill("病假")
    row.locator("form.att-mark button[type=submit]").click()
    expect(page.locator(f"#att-row-{learner.pk} .att-status")).to_have_class("att-status att-excused")
    assert Attendance.objects.get(person=learner).reason == "病假"
