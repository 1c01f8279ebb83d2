"""Each question type is graded automatically; the score is out of 100."""

import random
from decimal import Decimal

import pytest

from jifen.learning.exams import services
from jifen.learning.exams.models import QuestionKind
from jifen.learning.exams.tests import factories


@pytest.fixture
def course(db):
    return factories.course()


def test_single_choice_is_right_only_with_the_one_correct_option(course):
    q = services.question_create(course=course, kind=QuestionKind.SINGLE, text="密码至少几位？",
                                 options=["6", "8", "4"], answer=[1])
    assert services.is_correct(q, [1])
    assert not services.is_correct(q, [0])
    assert not services.is_correct(q, [0, 1])
    assert not services.is_correct(q, [])


def test_multiple_choice_needs_exactly_the_correct_set(course):
    q = services.question_create(course=course, kind=QuestionKind.MULTIPLE, text="哪些是钓鱼邮件特征？",
                                 options=["陌生发件人", "催促点击链接", "公司内部通知"], answer=[0, 1])
    assert services.is_correct(q, [1, 0])
    assert not services.is_correct(q, [0])
    assert not services.is_correct(q, [0, 1, 2])


def test_true_false(course):
    q = services.question_create(course=course, kind=QuestionKind.TRUE_FALSE, text="可以把密码写在便签上。",
                                 options=[], answer=[False])
    assert services.is_correct(q, [False])
    assert not services.is_correct(q, [True])


def test_fill_in_ignores_case_and_spaces(course):
    q = services.question_create(course=course, kind=QuestionKind.FILL, text="双因素认证的英文缩写是？",
                                 options=[], answer=["2FA", "MFA"])
    assert services.is_correct(q, [" 2 fa "])
    assert services.is_correct(q, ["mfa"])
    assert not services.is_correct(q, ["OTP"])


def test_a_bank_question_without_a_valid_answer_is_refused(course):
    from jifen.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.question_create(course=course, kind=QuestionKind.SINGLE, text="?", options=["a", "b"], answer=[0, 1])
    with pytest.raises(ApplicationError):
        services.question_create(course=course, kind=QuestionKind.SINGLE, text="?", options=["a"], answer=[0])
    with pytest.raises(ApplicationError):
        services.question_create(course=course, kind=QuestionKind.FILL, text="?", options=[], answer=[" "])


def test_a_mixed_paper_is_graded_by_points(org, course):
    person = org.person()
    single = services.question_create(course=course, kind=QuestionKind.SINGLE, text="单选", options=["x", "y"],
                                      answer=[0], points=2)
    multiple = services.question_create(course=course, kind=QuestionKind.MULTIPLE, text="多选",
                                        options=["x", "y", "z"], answer=[0, 2], points=2)
    truth = services.question_create(course=course, kind=QuestionKind.TRUE_FALSE, text="判断", options=[],
                                     answer=[True])
    fill = services.question_create(course=course, kind=QuestionKind.FILL, text="填空", options=[],
                                    answer=["VPN"])
    quiz = factories.quiz(course, [single, multiple, truth, fill])
    attempt = services.attempt_start(quiz=quiz, person=person)
    done = services.attempt_submit(attempt=attempt, answers={
        str(single.pk): ["0"], str(multiple.pk): ["0"], str(truth.pk): ["true"], str(fill.pk): [" vpn"],
    }, now=attempt.started_at + __import__("datetime").timedelta(minutes=2))
    # 2 + 0 + 1 + 1 of 6 points
    assert done.score == Decimal("66.7")
    assert done.passed is True


def test_random_quizzes_draw_n_questions_and_shuffle_the_options(org, course):
    questions = factories.ten_questions(course)
    quiz = services.quiz_save(course=course, title="随机测验", kind="quiz", selection="random", random_count=4,
                              shuffle_questions=True, shuffle_options=True)
    attempt = services.attempt_start(quiz=quiz, person=org.person(), rng=random.Random(7))
    assert len(attempt.paper) == 4
    assert {item["id"] for item in attempt.paper} <= {q.pk for q in questions}
    assert all(sorted(item["options"]) == [0, 1, 2] for item in attempt.paper)
    # The answer is the original option index, whatever order it was shown in.
    done = services.attempt_submit(attempt=attempt, answers={str(i["id"]): [0] for i in attempt.paper},
                                   now=attempt.started_at + __import__("datetime").timedelta(minutes=1))
    assert done.score == 100


def test_a_random_quiz_cannot_ask_for_more_questions_than_the_bank_has(course):
    from jifen.core.errors import ApplicationError

    factories.ten_questions(course)
    with pytest.raises(ApplicationError):
        services.quiz_save(course=course, title="太多", kind="quiz", selection="random", random_count=11)
