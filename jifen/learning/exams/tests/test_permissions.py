"""Who may use the exams pages and API: admins (CATALOG_MANAGE) build banks and quizzes; everyone with
a person record takes quizzes and sees only their own attempts (someone else's is simply not found)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.learning.exams import services
from jifen.learning.exams.models import Attempt, Question, Quiz
from jifen.learning.exams.tests import factories
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import (
    API,
    LEARN,
    MANAGE_CATALOG,
    ROLES,
    Case,
    api_case,
    assert_reaches_exactly,
    own_and_others,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class ExamsWorld(matrix.World):
    def __init__(self):
        super().__init__()
        self.course = factories.course("SEC-PERM", "信息安全基础")
        self.questions = factories.ten_questions(self.course)
        self.quiz = factories.quiz(self.course, self.questions, title="随堂测验")
        self.fresh_quiz = factories.quiz(self.course, self.questions, title="结业考试", kind="exam")
        self.closed_quiz = factories.quiz(self.course, self.questions, title="旧测验", is_active=False)
        owners = {"in": self.in_person, "out": self.out_person}
        owners.update({role: user.person for role, user in self.users.items()
                       if user is not None and hasattr(user, "person")})
        self.attempts = {key: services.attempt_start(quiz=self.quiz, person=person) for key, person in owners.items()}

    def attempt(self, target: str) -> int:
        found = self.attempts.get(self.acting if target == "own" else target)
        return found.pk if found is not None else 999_999


@pytest.fixture
def world(db) -> ExamsWorld:
    return ExamsWorld()


def fingerprint() -> tuple:
    return (
        matrix.fingerprint(),
        list(Question.objects.order_by("pk").values_list("pk", "text", "kind", "options", "answer", "is_active")),
        list(Quiz.objects.order_by("pk").values_list("pk", "title", "kind", "pass_mark", "is_active")),
        list(Quiz.questions.through.objects.order_by("pk").values_list("pk", "quiz_id", "question_id")),
        list(Attempt.objects.order_by("pk").values_list("pk", "status", "score", "answers")),
    )


def page(name, *args):
    return lambda w, t: reverse(name, args=args)


def on_course(name):
    return lambda w, t: reverse(name, args=[w.course.pk])


def question_form(w, t):
    return {"kind": "single", "text": "新题：密码至少几位？", "options": "6\n8\n10", "answer": "C", "explanation": "",
            "points": 1, "is_active": "on"}


def quiz_form(w, t):
    return {"title": "新测验", "kind": "quiz", "selection": "fixed", "questions": [q.pk for q in w.questions[:3]],
            "random_count": "", "shuffle_questions": "on", "shuffle_options": "on", "time_limit_minutes": "10",
            "max_attempts": "2", "pass_mark": "60", "show_answers": "on", "is_active": "on"}


def xlsx(w, t):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题目", "选项", "答案", "解析", "分值"])
    sheet.append(["单选", "导入的题", "甲|乙|丙", "B", "", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"file": SimpleUploadedFile("题库.xlsx", buffer.getvalue())}


def api_question(w, t):
    return {"kind": "single", "text": "新题：密码至少几位？", "options": ["6", "8", "10"], "answer": "C"}


def api_quiz(w, t):
    return {"title": "新测验", "questions": [q.pk for q in w.questions[:3]], "time_limit_minutes": 10}


def answers(w, t):
    return {f"q{q.pk}": "0" for q in w.questions}


CASES: list[Case] = [
    # ---- learners: their own quizzes and attempts
    Case("exams:my_quizzes", "get", LEARN, page("exams:my_quizzes")),
    Case("exams:quiz_start", "post", LEARN, lambda w, t: reverse("exams:quiz_start", args=[w.fresh_quiz.pk]),
         ok=302, writes=True),
    *own_and_others(lambda **kw: Case("exams:attempt", "get", LEARN, **kw),
                    url=lambda w, t: reverse("exams:attempt", args=[w.attempt(t)])),
    *own_and_others(lambda **kw: Case("exams:attempt_submit", "post", LEARN, **kw),
                    url=lambda w, t: reverse("exams:attempt_submit", args=[w.attempt(t)]), data=answers, ok=302,
                    writes=True),
    # ---- admins: the bank and the quizzes
    Case("exams:bank", "get", MANAGE_CATALOG, page("exams:bank")),
    Case("exams:course_bank", "get", MANAGE_CATALOG, on_course("exams:course_bank")),
    Case("exams:question_create", "get", MANAGE_CATALOG, on_course("exams:question_create")),
    Case("exams:question_create", "post", MANAGE_CATALOG, on_course("exams:question_create"), data=question_form,
         ok=302, writes=True),
    Case("exams:question_import", "get", MANAGE_CATALOG, on_course("exams:question_import")),
    Case("exams:question_import", "post", MANAGE_CATALOG, on_course("exams:question_import"), data=xlsx, ok=302,
         writes=True),
    Case("exams:question_edit", "get", MANAGE_CATALOG,
         lambda w, t: reverse("exams:question_edit", args=[w.questions[0].pk])),
    Case("exams:question_edit", "post", MANAGE_CATALOG,
         lambda w, t: reverse("exams:question_edit", args=[w.questions[0].pk]), data=question_form, ok=302,
         writes=True),
    Case("exams:quiz_create", "get", MANAGE_CATALOG, on_course("exams:quiz_create")),
    Case("exams:quiz_create", "post", MANAGE_CATALOG, on_course("exams:quiz_create"), data=quiz_form, ok=302,
         writes=True),
    Case("exams:quiz_edit", "get", MANAGE_CATALOG, lambda w, t: reverse("exams:quiz_edit", args=[w.quiz.pk])),
    Case("exams:quiz_edit", "post", MANAGE_CATALOG, lambda w, t: reverse("exams:quiz_edit", args=[w.quiz.pk]),
         data=quiz_form, ok=302, writes=True),
    # ---- API
    api_case("POST /api/v1/quizzes/{quiz_id}/attempts", "quiz_attempt_start", LEARN,
             lambda w, t: f"{API}/quizzes/{w.fresh_quiz.pk}/attempts", ok=201, writes=True),
    *own_and_others(lambda **kw: api_case("POST /api/v1/attempts/{attempt_id}/submit", "quiz_attempt_submit", LEARN,
                                          **kw),
                    url=lambda w, t: f"{API}/attempts/{w.attempt(t)}/submit",
                    data=lambda w, t: {"answers": {str(q.pk): [0] for q in w.questions}}, writes=True),
    api_case("GET /api/v1/attempts/mine", "my_quiz_attempts", LEARN, lambda w, t: f"{API}/attempts/mine"),
    # ---- API: the bank and the quizzes (admin scope for tokens; the pages' CATALOG_MANAGE)
    api_case("GET /api/v1/courses/{course_id}/questions", "list_bank_questions", MANAGE_CATALOG,
             lambda w, t: f"{API}/courses/{w.course.pk}/questions"),
    api_case("POST /api/v1/courses/{course_id}/questions", "create_bank_question", MANAGE_CATALOG,
             lambda w, t: f"{API}/courses/{w.course.pk}/questions", data=api_question, ok=201, writes=True),
    api_case("POST /api/v1/courses/{course_id}/questions/import", "import_bank_questions", MANAGE_CATALOG,
             lambda w, t: f"{API}/courses/{w.course.pk}/questions/import", data=xlsx, writes=True),
    api_case("GET /api/v1/questions/{question_id}", "get_bank_question", MANAGE_CATALOG,
             lambda w, t: f"{API}/questions/{w.questions[0].pk}"),
    api_case("PUT /api/v1/questions/{question_id}", "update_bank_question", MANAGE_CATALOG,
             lambda w, t: f"{API}/questions/{w.questions[0].pk}", data=api_question, writes=True),
    api_case("POST /api/v1/questions/{question_id}/retire", "retire_bank_question", MANAGE_CATALOG,
             lambda w, t: f"{API}/questions/{w.questions[9].pk}/retire", writes=True),
    api_case("GET /api/v1/courses/{course_id}/quizzes", "list_course_quizzes", MANAGE_CATALOG,
             lambda w, t: f"{API}/courses/{w.course.pk}/quizzes"),
    api_case("POST /api/v1/courses/{course_id}/quizzes", "create_course_quiz", MANAGE_CATALOG,
             lambda w, t: f"{API}/courses/{w.course.pk}/quizzes", data=api_quiz, ok=201, writes=True),
    api_case("GET /api/v1/quizzes/{quiz_id}", "get_course_quiz", MANAGE_CATALOG,
             lambda w, t: f"{API}/quizzes/{w.quiz.pk}"),
    api_case("PUT /api/v1/quizzes/{quiz_id}", "update_course_quiz", MANAGE_CATALOG,
             lambda w, t: f"{API}/quizzes/{w.quiz.pk}", data=api_quiz, writes=True),
    api_case("POST /api/v1/quizzes/{quiz_id}/open", "open_course_quiz", MANAGE_CATALOG,
             lambda w, t: f"{API}/quizzes/{w.closed_quiz.pk}/open", writes=True),
    api_case("POST /api/v1/quizzes/{quiz_id}/close", "close_course_quiz", MANAGE_CATALOG,
             lambda w, t: f"{API}/quizzes/{w.quiz.pk}/close", writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_exams(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)


def test_a_learner_never_sees_someone_elses_attempt_in_their_list(client, world):
    client.force_login(world.users["learner"])
    mine = {a["id"] for a in client.get(f"{API}/attempts/mine").json()}
    assert mine == {world.attempts["learner"].pk}
