"""Homework: on time +10, late -5, missing recorded after the due date, identical work flagged."""

import datetime as dt
from decimal import Decimal

import pytest

from jifen.core.errors import ApplicationError
from jifen.learning.integrity.models import Case, CaseKind
from jifen.learning.work import services
from jifen.learning.work.models import Submission
from jifen.learning.work.tests import factories
from jifen.ledger.models import Account, Currency
from jifen.rules.models import Event

DUE = dt.datetime(2026, 3, 9, 15, 59, tzinfo=dt.UTC)
ANSWER = "本次课程让我理解了倾听的重要性，今后在需求评审中先复述对方的观点再回应。"


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


@pytest.fixture
def world(org):
    trainer = org.person(name="孙讲师")
    learners = [org.person(name=name) for name in ("郑雨桐", "王磊", "李娜")]
    session = factories.session(unit=org.platform, trainer=trainer, learners=learners)
    assignment = services.assignment_create(created_by=trainer.user, session=session, title="课后反思",
                                            instructions="写三点收获", due_at=DUE, now=DUE - dt.timedelta(days=7))
    return type("World", (), {"trainer": trainer, "learners": learners, "assignment": assignment, "org": org})


def test_homework_handed_in_on_time_earns_ten_points(world):
    learner = world.learners[0]
    submission = services.submission_submit(assignment=world.assignment, person=learner, text=ANSWER,
                                            now=DUE - dt.timedelta(hours=1))
    assert submission.on_time
    assert points(learner) == Decimal("10.00")
    assert Event.objects.get(key=submission.event_key).type == "homework.on_time"


def test_homework_handed_in_late_costs_five_points(world):
    learner = world.learners[0]
    submission = services.submission_submit(assignment=world.assignment, person=learner, text=ANSWER,
                                            now=DUE + dt.timedelta(minutes=1))
    assert not submission.on_time
    assert points(learner) == Decimal("-5.00")


def test_changing_homework_before_grading_overwrites_it_and_records_the_event_once(world):
    learner = world.learners[0]
    services.submission_submit(assignment=world.assignment, person=learner, text="初稿" * 20,
                               now=DUE - dt.timedelta(days=1))
    changed = services.submission_submit(assignment=world.assignment, person=learner, text=ANSWER,
                                         file=factories.text_file(), now=DUE + dt.timedelta(days=1))
    assert changed.revisions == 2 and changed.text == ANSWER and changed.on_time and changed.changed_after_due
    assert Submission.objects.count() == 1
    assert points(learner) == Decimal("10.00")


def test_graded_homework_cannot_be_changed(world):
    learner = world.learners[0]
    submission = services.submission_submit(assignment=world.assignment, person=learner, text=ANSWER,
                                            now=DUE - dt.timedelta(days=1))
    graded = services.submission_grade(submission=submission, grader=world.trainer.user, score="88",
                                       comment="条理清晰")
    assert graded.score == Decimal("88.0") and graded.status == "graded"
    with pytest.raises(ApplicationError):
        services.submission_submit(assignment=world.assignment, person=learner, text="改一下" * 10)


def test_only_enrolled_learners_hand_in(world):
    stranger = world.org.person(name="路人")
    with pytest.raises(ApplicationError):
        services.submission_submit(assignment=world.assignment, person=stranger, text=ANSWER)


def test_an_empty_submission_is_refused(world):
    with pytest.raises(ApplicationError) as error:
        services.submission_submit(assignment=world.assignment, person=world.learners[0], text="  ")
    assert error.value.field == "text"


def test_a_file_that_is_not_what_its_name_says_is_refused(world):
    fake = factories.png(name="作业.pdf")
    with pytest.raises(ApplicationError) as error:
        services.submission_submit(assignment=world.assignment, person=world.learners[0], file=fake)
    assert error.value.field == "file"


def test_missing_homework_is_recorded_after_the_due_date_for_those_who_handed_nothing_in(world):
    services.submission_submit(assignment=world.assignment, person=world.learners[0], text=ANSWER,
                               now=DUE - dt.timedelta(days=1))
    with pytest.raises(ApplicationError):
        services.assignment_close(assignment=world.assignment, actor=world.trainer.user, now=DUE)
    recorded = services.assignment_close(assignment=world.assignment, actor=world.trainer.user,
                                         now=DUE + dt.timedelta(days=1))
    assert recorded == 2
    assert Event.objects.filter(type="homework.missing").count() == 2
    assert services.assignment_close(assignment=world.assignment, actor=world.trainer.user,
                                     now=DUE + dt.timedelta(days=2)) == 0
    with pytest.raises(ApplicationError):
        services.submission_submit(assignment=world.assignment, person=world.learners[1], text=ANSWER)


def test_identical_text_from_two_learners_flags_both_and_opens_a_case_for_each(world):
    first, second = world.learners[:2]
    services.submission_submit(assignment=world.assignment, person=first, text=ANSWER,
                               now=DUE - dt.timedelta(days=2))
    # The same words with other spacing and punctuation are still the same answer.
    copied = services.submission_submit(assignment=world.assignment, person=second,
                                        text=ANSWER.replace("，", ",  ") + " ", now=DUE - dt.timedelta(days=1))
    assert copied.flagged
    assert set(Submission.objects.values_list("flagged", flat=True)) == {True}
    cases = Case.objects.filter(kind=CaseKind.IDENTICAL_SUBMISSION)
    assert {case.person_id for case in cases} == {first.pk, second.pk}
    assert cases.get(person=second).source == copied


def test_an_identical_file_is_flagged_too(world):
    first, second = world.learners[:2]
    services.submission_submit(assignment=world.assignment, person=first, file=factories.text_file("同一份文件"))
    copied = services.submission_submit(assignment=world.assignment, person=second,
                                        file=factories.text_file("同一份文件", name="我的作业.txt"))
    assert copied.flagged
    assert Case.objects.filter(person=second, kind=CaseKind.IDENTICAL_SUBMISSION).count() == 1


def test_short_answers_alike_by_nature_are_not_flagged(world):
    first, second = world.learners[:2]
    services.submission_submit(assignment=world.assignment, person=first, text="已完成")
    other = services.submission_submit(assignment=world.assignment, person=second, text="已完成")
    assert not other.flagged
    assert not Case.objects.exists()


def test_course_wide_homework_reaches_the_learners_of_every_session_of_the_course(world):
    other_session = factories.session(unit=world.org.marketing, of_course=world.assignment.course,
                                      learners=[world.org.person(name="钱多多")])
    course_wide = services.assignment_create(created_by=world.trainer.user, course=world.assignment.course,
                                             title="课程总结", due_at=DUE)
    learner = other_session.enrolments.get().person
    submission = services.submission_submit(assignment=course_wide, person=learner, text=ANSWER,
                                            now=DUE - dt.timedelta(hours=1))
    assert submission.on_time
    services.submission_submit(assignment=course_wide, person=world.learners[0], text="我的总结" * 10,
                               now=DUE - dt.timedelta(hours=1))
    assert Submission.objects.filter(assignment=course_wide).count() == 2
