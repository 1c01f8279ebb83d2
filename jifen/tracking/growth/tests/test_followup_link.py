"""What a follow-up task asks for, done in the growth app, completes the task: a manager's observation,
a learner's development plan sent for agreement, the annual career review."""

import datetime as dt

import pytest

from jifen.org.models import Person
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import ActivityKind, Task, TaskStatus
from jifen.tracking.followup.tests import factories
from jifen.tracking.growth import services
from jifen.tracking.growth.models import Rating

NOW = dt.datetime(2026, 10, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def plan(org):
    manager, people, trainer = factories.team(org, size=2)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 9, 30))
    return followup.plan_create(template=followup.default_template(), session=session), manager, people


def tasks(kind, assignee, subject):
    return list(Task.objects.filter(kind=kind, assignee=assignee, subject=subject).order_by("occurrence")
                .values_list("occurrence", "status"))


def test_a_managers_observation_completes_their_first_open_observation_task(plan):
    plan, manager, people = plan
    services.observation_create(observer=manager.user, people=Person.objects.all(), person=people[0],
                                course=plan.course, observed_on=NOW.date(), skills="倾听\n反馈",
                                rating=Rating.SOMETIMES, feedback="开会时能复述对方观点。", now=NOW)
    assert tasks(ActivityKind.OBSERVATION, manager, people[0]) == [
        (1, TaskStatus.DONE), (2, TaskStatus.OPEN), (3, TaskStatus.OPEN)]
    assert {s for _o, s in tasks(ActivityKind.OBSERVATION, manager, people[1])} == {TaskStatus.OPEN}


def test_an_observation_about_another_course_completes_nothing(plan, org):
    plan, manager, people = plan
    other = factories.session(unit=org.platform, learners=people, title="时间管理").course
    services.observation_create(observer=manager.user, people=Person.objects.all(), person=people[0],
                                course=other, observed_on=NOW.date(), skills="排优先级",
                                rating=Rating.CONSISTENTLY, feedback="很好。", now=NOW)
    assert {s for _o, s in tasks(ActivityKind.OBSERVATION, manager, people[0])} == {TaskStatus.OPEN}


def test_a_development_plan_sent_for_agreement_completes_the_plan_task_a_draft_does_not(plan):
    plan, _manager, people = plan
    learner = people[0]
    draft = services.plan_save(person=learner, start_year=2026, end_year=2027, short_goals="独立主持项目复盘",
                               now=NOW)
    assert tasks(ActivityKind.DEVELOPMENT_PLAN, learner, learner) == [(1, TaskStatus.OPEN)]
    services.plan_save(person=learner, plan=draft, start_year=2026, end_year=2027, short_goals="独立主持项目复盘",
                       submit=True, now=NOW)
    assert tasks(ActivityKind.DEVELOPMENT_PLAN, learner, learner) == [(1, TaskStatus.DONE)]
