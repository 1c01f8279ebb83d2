"""The quiz pages as a learner and an admin use them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.learning.exams import services
from jifen.learning.exams.demo import build_demo
from jifen.learning.exams.models import Attempt, Question
from jifen.learning.exams.tests import factories
from jifen.org.models import Role


@pytest.fixture
def course(db):
    return factories.course()


@pytest.fixture
def learner(org, client):
    person = org.person(no="E0001", name="郑雨桐")
    client.force_login(person.user)
    return person


def test_a_learner_starts_answers_and_sees_the_correct_answers(client, course, learner):
    questions = factories.ten_questions(course)
    quiz = factories.quiz(course, questions, time_limit_minutes=10)
    response = client.post(reverse("exams:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(person=learner)
    assert response["Location"] == reverse("exams:attempt", args=[attempt.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-remaining="' in page and "第1题" in page
    Attempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - dt.timedelta(minutes=2))
    client.post(reverse("exams:attempt_submit", args=[attempt.pk]), {f"q{q.pk}": "0" for q in questions[:7]})
    result = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "70.0" in result and "data-result" in result
    assert result.count("question wrong") == 3


def test_answers_are_hidden_when_the_quiz_says_so(client, course, learner):
    questions = factories.ten_questions(course)
    quiz = factories.quiz(course, questions, show_answers=False)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    services.attempt_submit(attempt=attempt, answers={}, now=timezone.now() + dt.timedelta(minutes=1))
    result = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "question wrong" not in result


def test_an_overdue_attempt_shows_as_closed_when_opened(client, course, learner):
    questions = factories.ten_questions(course)
    quiz = factories.quiz(course, questions, time_limit_minutes=5)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=timezone.now() - dt.timedelta(minutes=10))
    client.get(reverse("exams:attempt", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT


def test_an_admin_adds_a_question_and_a_wrong_answer_letter_keeps_the_form(client, org, course):
    admin = org.person(role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    url = reverse("exams:question_create", args=[course.pk])
    data = {"kind": "single", "text": "哪个是强密码？", "options": "123456\nAbc!2026xyz", "answer": "D", "points": 1,
            "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200 and "哪个是强密码？" in response.content.decode()
    assert not Question.objects.exists()
    client.post(url, {**data, "answer": "B"})
    assert Question.objects.get().answer == [1]


def test_the_demo_has_ten_or_more_chinese_questions_a_quiz_and_an_exam(db):
    quizzes = build_demo()
    again = build_demo()
    assert Question.objects.count() >= 10
    assert {k: q.pk for k, q in quizzes.items()} == {k: q.pk for k, q in again.items()}
    assert quizzes["exam"].kind == "exam" and quizzes["pretest"].kind == "pretest"
