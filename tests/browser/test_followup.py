"""Post-training follow-up in a real browser: a manager fills a 360 evaluation of one of their people,
and a learner answers the anonymous satisfaction survey on a phone."""

import pytest
from playwright.sync_api import expect

from jifen.org.demo import DEMO_PASSWORD
from jifen.tracking.followup.demo import build_demo as build_followup_demo
from jifen.tracking.followup.models import (
    ActivityKind,
    AnonymousResponse,
    Audience,
    SurveyReceipt,
    Task,
    TaskStatus,
)

pytestmark = pytest.mark.browser

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def followup(demo):
    build_followup_demo()


def test_a_manager_fills_an_evaluation_of_one_of_their_people(followup, live_url, page, login):
    task = Task.objects.select_related("activity__form", "subject").get(
        kind=ActivityKind.EVALUATION, audience=Audience.MANAGER, subject__employee_no="JF0007")
    login(page, task.assignee.employee_no, DEMO_PASSWORD)  # 吴海涛, 郑雨桐's manager
    page.goto(f"{live_url}/tracking/")
    page.locator(f"a[href='/tracking/tasks/{task.pk}/']").click()
    expect(page.locator("h1")).to_contain_text(task.activity.display_title)
    expect(page.locator(".facts")).to_contain_text("郑雨桐")
    for question in task.activity.form.current_version().questions.all():
        if question.kind == "matrix":
            for row in range(len(question.options)):
                page.locator(f"input[name=q{question.pk}_{row}][value='4']").check()
        elif question.topic == "suggestions":
            page.locator(f"textarea[name=q{question.pk}]").fill("多在评审会上主动发言")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    page.goto(f"{live_url}/tracking/people/{task.subject_id}/")
    expect(page.locator("body")).to_contain_text("多在评审会上主动发言")


def test_a_learner_answers_the_anonymous_survey_on_a_phone(followup, live_url, phone_page, login):
    page = phone_page
    task = Task.objects.select_related("activity__form").get(kind=ActivityKind.SURVEY, assignee__employee_no="JF0007")
    before = AnonymousResponse.objects.count()
    login(page, "JF0007", DEMO_PASSWORD)  # 郑雨桐
    page.goto(f"{live_url}/tracking/")
    assert page.evaluate(FITS_THE_SCREEN), "the tasks page scrolls sideways on a phone"
    page.locator(f"a[href='/tracking/tasks/{task.pk}/']").tap()
    expect(page.locator(".message.info")).to_be_visible()  # it says the survey is anonymous
    assert page.evaluate(FITS_THE_SCREEN), "the survey scrolls sideways on a phone"
    # Submitting an empty survey keeps us on the page with the questions marked.
    page.locator("form.card button[type=submit]").tap()
    expect(page.locator("fieldset.has-error").first).to_be_visible()
    for question in task.activity.form.current_version().questions.all():
        if question.kind == "likert":
            page.locator(f"input[name=q{question.pk}][value='5']").check()
        else:
            page.locator(f"textarea[name=q{question.pk}]").fill("案例很实用")
    page.locator("form.card button[type=submit]").tap()
    expect(page.locator(".message.success")).to_be_visible()
    assert AnonymousResponse.objects.count() == before + 1
    assert SurveyReceipt.objects.filter(person__employee_no="JF0007").count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
