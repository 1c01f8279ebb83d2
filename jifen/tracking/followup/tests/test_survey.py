"""The anonymous satisfaction survey: nobody, admins included, can trace an answer to a person; a
person answers once; results stay hidden below 3 answers."""

import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.rules.models import Event
from jifen.tracking.followup import selectors, services
from jifen.tracking.followup.models import ActivityKind, AnonymousResponse, SurveyReceipt, Task, TaskStatus
from jifen.tracking.followup.tests import factories
from jifen.tracking.instruments.services import AnswersInvalid


@pytest.fixture
def plan(org):
    _manager, people, trainer = factories.team(org, size=4)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 3, 6))
    return services.plan_create(template=services.default_template(), session=session)


def answers_for(task, rating: int = 5, text: str = "多一些案例"):
    questions = task.activity.form.current_version().questions.order_by("position")
    return {q.pk: (text if q.kind == "text" else rating) for q in questions}


def survey_tasks(plan):
    return list(Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY).select_related("activity__form")
                .order_by("pk"))


def test_the_answer_model_has_no_path_to_a_person_a_user_or_a_task():
    from django.contrib.auth import get_user_model

    forbidden = {Person, get_user_model(), Task, SurveyReceipt}
    for field in AnonymousResponse._meta.get_fields():
        assert getattr(field, "related_model", None) not in forbidden, field.name
        assert not isinstance(field, models.DateTimeField | models.DateField | models.TimeField), field.name
        assert not isinstance(field, models.AutoField | models.BigAutoField), field.name
    assert isinstance(AnonymousResponse._meta.pk, models.UUIDField)
    # ... and nothing links back from a person or task to an answer.
    for model in forbidden:
        assert not any(getattr(f, "related_model", None) is AnonymousResponse for f in model._meta.get_fields())


def test_a_receipt_says_only_who_answered_not_what_or_when():
    names = {f.name for f in SurveyReceipt._meta.get_fields()}
    assert names == {"id", "person", "plan", "activity"}


def test_answering_stores_an_anonymous_answer_a_receipt_and_completes_the_task(plan):
    task = survey_tasks(plan)[0]
    services.task_complete(task=task, answers=answers_for(task))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert SurveyReceipt.objects.filter(person=task.assignee, plan=plan).count() == 1
    row = AnonymousResponse.objects.get()
    assert set(row.answers.values()) == {5, "多一些案例"}
    assert Event.objects.filter(key=f"followup:task:{task.pk}", type="survey.completed").exists()


def test_answering_twice_is_refused(plan):
    task = survey_tasks(plan)[0]
    services.task_complete(task=task, answers=answers_for(task))
    with pytest.raises(ApplicationError) as refused:
        services.task_complete(task=task, answers=answers_for(task))
    assert refused.value.message == _("This task is done already.")
    # Even with the task reopened, the receipt still says no.
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.OPEN)
    with pytest.raises(ApplicationError) as refused:
        services.task_complete(task=Task.objects.get(pk=task.pk), answers=answers_for(task))
    assert refused.value.message == _("You have answered this survey already.")
    assert AnonymousResponse.objects.count() == 1


def test_a_missing_answer_is_refused_with_a_translated_message_and_nothing_is_stored(plan):
    task = survey_tasks(plan)[0]
    answers = answers_for(task)
    first = min(answers)
    answers[first] = ""
    with pytest.raises(AnswersInvalid) as refused:
        services.task_complete(task=task, answers=answers)
    assert refused.value.errors == {first: _("Please answer this question.")}
    assert not SurveyReceipt.objects.exists() and not AnonymousResponse.objects.exists()


def test_results_are_hidden_below_three_answers_and_shown_from_three(plan):
    tasks = survey_tasks(plan)
    for task, rating in zip(tasks[:2], (5, 3), strict=True):
        services.task_complete(task=task, answers=answers_for(task, rating))
    [group] = selectors.survey_results(plan)
    assert group["hidden"] and group["count"] == 2 and group["questions"] == []
    services.task_complete(task=tasks[2], answers=answers_for(tasks[2], 4))
    [group] = selectors.survey_results(plan)
    assert not group["hidden"]
    first = group["questions"][0]
    assert first["average"] == 4.0 and first["satisfied"] == 67


def test_each_answer_rewrites_a_handful_of_the_groups_answers_and_loses_none(plan):
    """The rows an answer's transaction writes are the new one and up to four others picked at random,
    every one rewritten, so the database's own record of which transaction wrote a row (PostgreSQL's
    xmin) cannot single out the latest answer; contents move between rows but none is lost or doubled."""
    tasks = survey_tasks(plan)
    for task, rating in zip(tasks[:3], (1, 2, 3), strict=True):
        services.task_complete(task=task, answers=answers_for(task, rating))
    with CaptureQueriesContext(connection) as captured:
        services.task_complete(task=tasks[3], answers=answers_for(tasks[3], 4))
    table = AnonymousResponse._meta.db_table
    rewritten = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]
    assert len(rewritten) == 4  # the new answer and the three before it
    ratings = sorted(min(row.answers.values(), key=str) for row in AnonymousResponse.objects.all())
    assert ratings == [1, 2, 3, 4]
