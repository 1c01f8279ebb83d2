"""A learner takes the demo exam on a phone: a timer from the server, every question type, the score
and the correct answers after submitting."""

import re

import pytest
from playwright.sync_api import expect

from jifen.learning.exams.demo import build_demo as build_exams_demo
from jifen.learning.exams.models import Attempt, Question
from jifen.org.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_learner_takes_the_exam_on_a_phone_and_sees_the_score_and_answers(demo, live_url, phone_page, login):
    quizzes = build_exams_demo()
    exam = quizzes["exam"]
    page = phone_page
    login(page, "JF0007", DEMO_PASSWORD)  # 郑雨桐, a learner
    page.goto(f"{live_url}/exams/")
    card = page.locator(".quiz-card", has_text=exam.title)
    expect(card).to_be_visible()
    card.get_by_role("button").tap()

    expect(page.locator("h1")).to_have_text(exam.title)
    expect(page.locator("[data-timer]")).to_be_visible()
    expect(page.locator("[data-timer-text]")).to_have_text(re.compile(r"^(19|20):\d\d$"))
    assert page.evaluate(FITS_THE_SCREEN), "the exam scrolls sideways on a phone"

    attempt = Attempt.objects.get(quiz=exam, person__employee_no="JF0007", status=Attempt.Status.IN_PROGRESS)
    questions = Question.objects.in_bulk([item["id"] for item in attempt.paper])
    expect(page.locator("[data-question]")).to_have_count(len(attempt.paper))
    wrong = None
    for item in attempt.paper:
        question = questions[item["id"]]
        name = f"q{question.pk}"
        if question.kind == "fill":
            page.locator(f"input[name={name}]").fill(question.answer[0].lower() + " ")
        elif question.kind == "truefalse":
            page.locator(f"input[name={name}][value={'true' if question.answer == [True] else 'false'}]").tap()
        elif wrong is None and question.kind == "single":
            wrong = question  # answer one question wrongly: 90
            other = next(i for i in item["options"] if i not in question.answer)
            page.locator(f"input[name={name}][value='{other}']").tap()
        else:
            for index in question.answer:
                page.locator(f"input[name={name}][value='{index}']").tap()
    page.locator("[data-submit]").tap()

    expect(page.locator("[data-result]")).to_be_visible()
    expect(page.locator("[data-score]")).to_have_text("90.0")
    expect(page.locator(".question.wrong")).to_have_count(1)
    expect(page.locator(".question.right")).to_have_count(len(attempt.paper) - 1)
    assert page.evaluate(FITS_THE_SCREEN), "the result scrolls sideways on a phone"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == 90


def test_the_lesson_page_sends_heartbeats_that_the_server_records(demo, live_url, phone_page, login):
    from jifen.learning.study.demo import build_demo as build_study_demo
    from jifen.learning.study.models import Heartbeat

    lesson = build_study_demo()[0]
    page = phone_page
    login(page, "JF0007", DEMO_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/lessons/{lesson.pk}/heartbeat")) as first:
        page.goto(f"{live_url}/study/lessons/{lesson.pk}/")
    assert first.value.status == 200 and first.value.json()["note"] == "first"
    expect(page.locator("h1")).to_have_text(lesson.title)
    expect(page.locator("[data-seconds]")).to_have_text("0")
    assert page.evaluate(FITS_THE_SCREEN), "the lesson scrolls sideways on a phone"
    beat = Heartbeat.objects.get(person__employee_no="JF0007")
    assert beat.visible and beat.credited == 0 and len(beat.client) == 24
