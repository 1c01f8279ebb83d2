"""Forms in versions: answers keep the wording they answered; every kind of question checks its answer
with a translated message."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.tracking.instruments import services
from jifen.tracking.instruments.models import FormKind, QuestionKind, Response
from jifen.tracking.instruments.services import AnswersInvalid


@pytest.fixture
def form(db):
    form = services.form_create(name="课后评估", kind=FormKind.GENERAL)
    services.question_add(form=form, kind=QuestionKind.LIKERT, text="课程有用")
    services.question_add(form=form, kind=QuestionKind.SCORE, text="打分", min_value=0, max_value=10)
    services.question_add(form=form, kind=QuestionKind.SINGLE, text="最喜欢", options="案例\n练习\n讲解")
    services.question_add(form=form, kind=QuestionKind.MULTIPLE, text="用到了", options=["倾听", "提问", "反馈"])
    services.question_add(form=form, kind=QuestionKind.MATRIX, text="各方面", options=["内容", "节奏"])
    services.question_add(form=form, kind=QuestionKind.TEXT, text="建议", required=False)
    return form


def q(form, kind):
    return form.current_version().questions.get(kind=kind)


def good(form):
    return {q(form, "likert").pk: 4, q(form, "score").pk: "7.5", q(form, "single").pk: "1",
            q(form, "multiple").pk: ["0", "2"], q(form, "matrix").pk: {"0": "5", "1": 3}, q(form, "text").pk: " 好 "}


def test_answers_of_every_kind_are_cleaned(form):
    cleaned = services.clean_answers(form.current_version(), good(form))
    assert list(cleaned.values()) == [4, 7.5, 1, [0, 2], {"0": 5, "1": 3}, "好"]


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("likert", 6, "Choose a value from 1 to 5."),
    ("likert", "", "Please answer this question."),
    ("score", "11", "Enter a number from %(low)s to %(high)s."),
    ("score", "abc", "Enter a number."),
    ("single", "3", "Choose one of the options."),
    ("multiple", ["0", "0"], "Choose among the options."),
    ("matrix", {"0": 5}, "Rate each row from 1 to 5."),
    ("matrix", {"0": 5, "1": 0}, "Rate each row from 1 to 5."),
])
def test_a_wrong_answer_is_refused_with_its_question_named(form, kind, value, message):
    answers = good(form)
    answers[q(form, kind).pk] = value
    with pytest.raises(AnswersInvalid) as refused:
        services.clean_answers(form.current_version(), answers)
    expected = _(message) % {"low": "0", "high": "10"} if "%(low)s" in message else _(message)
    assert refused.value.errors == {q(form, kind).pk: expected}


def test_editing_an_answered_form_makes_a_new_version_and_old_answers_keep_their_wording(form, org):
    person = org.person(name="郑雨桐")
    first = form.current_version()
    response = services.response_submit(version=first, respondent=person, answers=good(form), now=timezone.now())
    services.question_add(form=form, kind=QuestionKind.TEXT, text="还想学什么", required=False)
    second = form.current_version()
    assert second.number == 2 and second.questions.count() == 7
    assert first.questions.count() == 6
    services.question_remove(question=q(form, "likert"))  # second is not answered: changed in place
    assert form.current_version().number == 2 and second.questions.count() == 6
    assert Response.objects.get(pk=response.pk).version == first
    assert next(a.question.text for a in response.answers.all()) == "课程有用"


def test_moving_a_question_up_reorders_the_version(form):
    services.question_move(question=q(form, "text"), up=True)
    kinds = list(form.current_version().questions.order_by("position").values_list("kind", flat=True))
    assert kinds[-2:] == ["text", "matrix"]


def test_a_choice_question_needs_two_choices(form):
    with pytest.raises(ApplicationError) as refused:
        services.question_add(form=form, kind=QuestionKind.SINGLE, text="选一个", options="只有一个")
    assert refused.value.message == _("List at least two choices, one per line.")


def test_the_same_context_is_answered_once(form, org):
    person = org.person(name="郑雨桐")
    services.response_submit(version=form.current_version(), respondent=person, answers=good(form),
                             context="task:1", now=timezone.now())
    with pytest.raises(ApplicationError):
        services.response_submit(version=form.current_version(), respondent=person, answers=good(form),
                                 context="task:1", now=timezone.now() + dt.timedelta(minutes=1))
