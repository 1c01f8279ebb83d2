"""Time limit enforced by the server, attempt limit, baseline and improvement (seed 002's numbers),
and answers faster than reading allows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jifen.core.errors import ApplicationError
from jifen.learning.exams import services
from jifen.learning.exams.models import Attempt, QuizKind
from jifen.learning.exams.tests import factories
from jifen.learning.integrity.models import Case, CaseKind
from jifen.ledger.models import Account, Currency

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


@pytest.fixture
def course(db):
    return factories.course()


@pytest.fixture
def questions(course):
    return factories.ten_questions(course)


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


def take(quiz, person, score, *, start=T0, minutes=5):
    attempt = services.attempt_start(quiz=quiz, person=person, now=start)
    qs = [services.Question.objects.get(pk=item["id"]) for item in attempt.paper]
    return services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(qs, score),
                                   now=start + dt.timedelta(minutes=minutes))


def test_answers_within_the_time_limit_are_graded(course, questions, learner):
    quiz = factories.quiz(course, questions, time_limit_minutes=10)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    assert attempt.deadline == T0 + dt.timedelta(minutes=10)
    done = services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(questions, 80),
                                   now=T0 + dt.timedelta(minutes=10, seconds=10))  # inside the grace
    assert done.status == Attempt.Status.SUBMITTED and done.score == 80


def test_answers_after_the_deadline_and_grace_are_refused_and_the_attempt_closes(course, questions, learner):
    quiz = factories.quiz(course, questions, time_limit_minutes=10)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    done = services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(questions, 100),
                                   now=T0 + dt.timedelta(minutes=12))
    assert done.status == Attempt.Status.TIMED_OUT
    assert done.score == 0 and done.answers == {}


def test_an_overdue_attempt_is_closed_when_next_seen(course, questions, learner):
    quiz = factories.quiz(course, questions, time_limit_minutes=10)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    services.attempt_close_if_overdue(attempt=attempt, now=T0 + dt.timedelta(minutes=11))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT
    with pytest.raises(ApplicationError):
        services.attempt_submit(attempt=attempt, answers={}, now=T0 + dt.timedelta(minutes=11))


def test_starting_again_gives_back_the_open_attempt(course, questions, learner):
    quiz = factories.quiz(course, questions)
    first = services.attempt_start(quiz=quiz, person=learner, now=T0)
    assert services.attempt_start(quiz=quiz, person=learner, now=T0 + dt.timedelta(minutes=1)).pk == first.pk


def test_the_attempt_limit_refuses_a_third_attempt_of_two(course, questions, learner):
    quiz = factories.quiz(course, questions, max_attempts=2)
    take(quiz, learner, 40)
    take(quiz, learner, 50, start=T0 + dt.timedelta(hours=1))
    with pytest.raises(ApplicationError):
        services.attempt_start(quiz=quiz, person=learner, now=T0 + dt.timedelta(hours=2))
    assert Attempt.objects.filter(quiz=quiz, person=learner).count() == 2


def test_a_pretest_score_is_the_baseline_of_the_first_exam(course, questions, learner):
    """Seed 002: +20 points per 10 points of improvement; 62 → 85 is two full steps."""
    pretest = factories.quiz(course, questions, kind=QuizKind.PRETEST, title="课前测")
    exam = factories.quiz(course, questions, kind=QuizKind.EXAM, title="结业考试")
    first = services.attempt_start(quiz=pretest, person=learner, now=T0)
    Attempt.objects.filter(pk=first.pk).update(status=Attempt.Status.SUBMITTED, score=Decimal(62),
                                               submitted_at=T0 + dt.timedelta(minutes=5), passed=True)
    assert points(learner) == 0  # a pre-test earns nothing by itself
    done = take(exam, learner, 90, start=T0 + dt.timedelta(days=5))
    assert done.previous_score == 62
    assert points(learner) == 40  # 62 → 90: two full steps of 10


def test_the_previous_exam_score_is_the_baseline_of_a_retake(course, questions, learner):
    exam = factories.quiz(course, questions, kind=QuizKind.EXAM, title="结业考试")
    first = services.attempt_start(quiz=exam, person=learner, now=T0)
    Attempt.objects.filter(pk=first.pk).update(status=Attempt.Status.SUBMITTED, score=Decimal(62), passed=True,
                                               submitted_at=T0 + dt.timedelta(minutes=5))
    before = points(learner)
    second = services.attempt_start(quiz=exam, person=learner, now=T0 + dt.timedelta(days=7))
    done = services.attempt_submit(attempt=second, answers=factories.answers_scoring(
        [services.Question.objects.get(pk=i["id"]) for i in second.paper], 80),
        now=T0 + dt.timedelta(days=7, minutes=5))
    assert done.previous_score == 62 and done.score == 80
    assert points(learner) - before == 20  # 62 → 80: one full step of 10


def test_seed_numbers_62_to_85_earn_40_points(course, learner):
    """A 20-question exam (5 points each) scored 85 after a baseline of 62: +40."""
    questions = [services.question_create(course=course, kind="single", text=f"题{n}", options=["对", "错"],
                                          answer=[0]) for n in range(20)]
    pretest = factories.quiz(course, questions, kind=QuizKind.PRETEST, title="课前测")
    exam = factories.quiz(course, questions, kind=QuizKind.EXAM, title="结业考试")
    base = services.attempt_start(quiz=pretest, person=learner, now=T0)
    Attempt.objects.filter(pk=base.pk).update(status=Attempt.Status.SUBMITTED, score=Decimal(62), passed=True,
                                              submitted_at=T0 + dt.timedelta(minutes=5))
    attempt = services.attempt_start(quiz=exam, person=learner, now=T0 + dt.timedelta(days=3))
    answers = {str(item["id"]): [0] if n < 17 else [1] for n, item in enumerate(attempt.paper)}
    done = services.attempt_submit(attempt=attempt, answers=answers, now=T0 + dt.timedelta(days=3, minutes=10))
    assert done.score == 85 and done.previous_score == 62 and done.passed
    assert points(learner) == 40


def test_an_exam_below_the_pass_mark_costs_20_points(course, questions, learner):
    exam = factories.quiz(course, questions, kind=QuizKind.EXAM, title="结业考试", pass_mark=60)
    done = take(exam, learner, 50)
    assert done.passed is False
    assert points(learner) == -20


def test_a_first_exam_without_a_baseline_earns_no_improvement_points(course, questions, learner):
    exam = factories.quiz(course, questions, kind=QuizKind.EXAM, title="结业考试")
    done = take(exam, learner, 90)
    assert done.previous_score is None
    assert points(learner) == 0


def test_a_quiz_records_no_exam_event(course, questions, learner):
    quiz = factories.quiz(course, questions, kind=QuizKind.QUIZ)
    take(quiz, learner, 20)
    assert points(learner) == 0


def test_ten_questions_answered_in_10_seconds_opens_a_quiz_too_fast_case(course, questions, learner, settings):
    settings.JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION = 2
    quiz = factories.quiz(course, questions)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(questions, 100),
                            now=T0 + dt.timedelta(seconds=10))
    case = Case.objects.get(person=learner)
    assert case.kind == CaseKind.QUIZ_TOO_FAST and case.status == Case.Status.OPEN
    assert case.details["questions"] == 10 and case.details["seconds"] == 10


def test_reading_at_a_normal_pace_opens_no_case(course, questions, learner, settings):
    settings.JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION = 2
    quiz = factories.quiz(course, questions)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(questions, 100),
                            now=T0 + dt.timedelta(seconds=25))
    assert not Case.objects.exists()


def test_the_too_fast_threshold_is_a_setting(course, questions, learner, settings):
    settings.JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION = 5
    quiz = factories.quiz(course, questions)
    attempt = services.attempt_start(quiz=quiz, person=learner, now=T0)
    services.attempt_submit(attempt=attempt, answers=factories.answers_scoring(questions, 100),
                            now=T0 + dt.timedelta(seconds=40))
    assert Case.objects.filter(kind=CaseKind.QUIZ_TOO_FAST).count() == 1
