"""A training admin builds a course's question bank and its quizzes over the API, as on the exams pages:
the same checks, the same Excel import, and an admin-scope token for every change."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jifen.api.tests.helpers import bearer
from jifen.learning.exams import services
from jifen.learning.exams.models import Question, Quiz
from jifen.learning.exams.tests import factories
from jifen.org.models import Role

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def course(db):
    return factories.course()


@pytest.fixture
def admin(org):
    return org.person(no="A0001", name="林晓雯", role=Role.TRAINING_ADMIN, scope=org.rnd)


def call(client, method, path, body=None, **headers):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    if body is None:
        return getattr(client, method)(f"{API}{path}", **headers)
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body), content_type="application/json",
                                   **headers)


def refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def workbook(*rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题目", "选项", "答案", "解析", "分值"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("题库.xlsx", buffer.getvalue())


QUESTION = {"kind": "multiple", "text": "哪些是强密码的特征？", "options": ["至少 12 位", "含生日", "混合字符"],
            "answer": "A,C", "explanation": "生日容易被猜到", "points": 2}


def test_a_question_added_over_the_api_is_in_the_bank_as_the_page_would_save_it(client, course, admin):
    made = call(client, "post", f"/courses/{course.pk}/questions", QUESTION, **bearer(admin.user, "admin"))
    assert made.status_code == 201, made.content
    question = Question.objects.get(pk=made.json()["id"])
    assert (question.kind, question.options, question.answer, question.points) == (
        "multiple", ["至少 12 位", "含生日", "混合字符"], [0, 2], 2)
    assert made.json()["answer_text"] == "A,C"
    listed = call(client, "get", f"/courses/{course.pk}/questions", **bearer(admin.user, "read")).json()
    assert [q["id"] for q in listed["items"]] == [question.pk] and listed["count"] == 1


def test_a_single_choice_question_with_two_answers_is_refused_with_the_reason(client, course, admin):
    client.force_login(admin.user)
    body = refused(call(client, "post", f"/courses/{course.pk}/questions", {**QUESTION, "kind": "single"}))
    assert body["detail"] == "A single choice question has exactly one correct option."
    assert body["field"] == "answer"
    assert not Question.objects.exists()


def test_an_answer_in_letters_that_are_not_options_is_refused_as_on_the_page(client, course, admin):
    client.force_login(admin.user)
    body = refused(call(client, "post", f"/courses/{course.pk}/questions", {**QUESTION, "answer": "对"}))
    assert body["detail"] == "Use option letters such as A or A,C." and body["field"] == "answer"


def test_editing_and_retiring_a_question_keeps_it_off_new_papers(client, course, admin):
    questions = factories.ten_questions(course)
    client.force_login(admin.user)
    edited = call(client, "put", f"/questions/{questions[0].pk}",
                  {"kind": "truefalse", "text": "弱密码也安全", "answer": "错"})
    assert edited.status_code == 200 and edited.json()["answer"] == [False]
    retired = call(client, "post", f"/questions/{questions[1].pk}/retire")
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert call(client, "post", f"/questions/{questions[1].pk}/retire").json()["is_active"] is False
    active = call(client, "get", f"/courses/{course.pk}/questions?active=true").json()
    assert questions[1].pk not in [q["id"] for q in active["items"]] and active["count"] == 9


def test_importing_an_excel_sheet_adds_every_question_or_none(client, course, admin):
    client.force_login(admin.user)
    url = f"{API}/courses/{course.pk}/questions/import"
    good = client.post(url, {"file": workbook(["单选", "密码至少几位？", "6|8|12", "C", "", 1],
                                              ["判断", "可以共用账号", "", "错", "", 2])})
    assert good.status_code == 200 and good.json() == {"imported": 2}
    bad = client.post(url, {"file": workbook(["单选", "好题", "甲|乙", "A", "", 1], ["问答", "坏题", "", "", "", 1])},
                      HTTP_ACCEPT_LANGUAGE="en")
    body = refused(bad)
    assert body["detail"] == "Row 3: unknown question type “问答”." and body["field"] == "file"
    assert Question.objects.count() == 2


def test_a_quiz_made_of_picked_questions_and_opened_and_closed(client, course, admin):
    questions = factories.ten_questions(course)
    client.force_login(admin.user)
    made = call(client, "post", f"/courses/{course.pk}/quizzes",
                {"title": "随堂测验", "questions": [q.pk for q in questions[:3]], "pass_mark": 80,
                 "is_active": False})
    assert made.status_code == 201, made.content
    quiz = Quiz.objects.get(pk=made.json()["id"])
    assert sorted(quiz.questions.values_list("pk", flat=True)) == [q.pk for q in questions[:3]]
    assert not quiz.is_active and made.json()["questions"] == [q.pk for q in questions[:3]]
    assert call(client, "post", f"/quizzes/{quiz.pk}/open").json()["is_active"] is True
    edited = call(client, "put", f"/quizzes/{quiz.pk}", {"title": "期末考试", "kind": "exam", "selection": "random",
                                                         "random_count": 5})
    assert edited.status_code == 200 and edited.json()["questions"] == [] and edited.json()["random_count"] == 5
    assert call(client, "post", f"/quizzes/{quiz.pk}/close").json()["is_active"] is False
    assert [q["title"] for q in call(client, "get", f"/courses/{course.pk}/quizzes").json()] == ["期末考试"]


def test_a_quiz_without_questions_is_refused_and_a_retired_question_cannot_be_picked(client, course, admin):
    questions = factories.ten_questions(course)
    services.question_retire(question=questions[0])
    client.force_login(admin.user)
    body = refused(call(client, "post", f"/courses/{course.pk}/quizzes", {"title": "空测验"}))
    assert body["detail"] == "Choose the questions of the quiz." and body["field"] == "questions"
    picked = refused(call(client, "post", f"/courses/{course.pk}/quizzes",
                          {"title": "测验", "questions": [questions[0].pk]}))
    assert picked["field"] == "questions"
    assert not Quiz.objects.exists()


def test_a_closed_quiz_whose_questions_were_all_retired_cannot_be_opened(client, course, admin):
    questions = factories.ten_questions(course)
    quiz = factories.quiz(course, questions[:2], is_active=False)
    for question in questions[:2]:
        services.question_retire(question=question)
    client.force_login(admin.user)
    body = refused(call(client, "post", f"/quizzes/{quiz.pk}/open"))
    assert body["detail"] == "Choose the questions of the quiz."
    quiz.refresh_from_db()
    assert not quiz.is_active


def test_a_trainer_may_not_touch_the_bank_and_an_unknown_course_is_not_found(client, course, org, admin):
    trainer = org.person(role=Role.TRAINER)
    client.force_login(trainer.user)
    refused(call(client, "post", f"/courses/{course.pk}/questions", QUESTION), 403)
    refused(call(client, "get", f"/courses/{course.pk}/questions"), 403)
    client.force_login(admin.user)
    refused(call(client, "get", "/courses/999999/questions"), 404)
    refused(call(client, "put", "/questions/999999", QUESTION), 404)


def test_changing_the_bank_needs_an_admin_token_but_a_learner_still_starts_a_quiz_with_a_write_token(
        client, course, admin, org):
    questions = factories.ten_questions(course)
    quiz = factories.quiz(course, questions)
    write = bearer(admin.user, "write")
    for method, path, body in (("post", f"/courses/{course.pk}/questions", QUESTION),
                               ("put", f"/questions/{questions[0].pk}", QUESTION),
                               ("post", f"/questions/{questions[0].pk}/retire", None),
                               ("post", f"/courses/{course.pk}/quizzes", {"title": "x"}),
                               ("put", f"/quizzes/{quiz.pk}", {"title": "x"}),
                               ("post", f"/quizzes/{quiz.pk}/close", None)):
        assert refused(call(client, method, path, body, **write), 403)["required_scope"] == "admin", path
    assert call(client, "get", f"/quizzes/{quiz.pk}", **bearer(admin.user, "read")).status_code == 200
    learner = org.person(name="郑雨桐")
    started = call(client, "post", f"/quizzes/{quiz.pk}/attempts", **bearer(learner.user, "write"))
    assert started.status_code == 201
