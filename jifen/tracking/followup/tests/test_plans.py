"""A tracking plan per session, due within working days after it ends, gives tasks to the right people."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Audience, OffsetUnit, Task, TaskStatus
from jifen.tracking.followup.tests import factories


@pytest.fixture
def setup(org):
    manager, people, trainer = factories.team(org)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 9, 30))
    return manager, people, trainer, session


def test_the_default_template_follows_seed_004(db):
    template = services.default_template()
    kinds = {a.kind: a for a in template.activities.all()}
    assert (kinds[ActivityKind.TEST].offset, kinds[ActivityKind.TEST].offset_unit) == (2, OffsetUnit.WEEKS)
    assert (kinds[ActivityKind.SURVEY].offset, kinds[ActivityKind.SURVEY].offset_unit) == (1, OffsetUnit.WEEKS)
    assert kinds[ActivityKind.SURVEY].form.anonymous
    assert kinds[ActivityKind.EVALUATION].audiences == [Audience.MANAGER, Audience.PEERS, Audience.SELF]
    assert (kinds[ActivityKind.OBSERVATION].repeat, kinds[ActivityKind.OBSERVATION].offset_unit) == (3, "months")
    assert ActivityKind.DEVELOPMENT_PLAN in kinds and kinds[ActivityKind.CAREER_REVIEW].offset == 12
    assert services.default_template() == template  # made once


def test_a_plan_is_due_five_working_days_after_the_session_across_the_national_day_holiday(setup):
    *_rest, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    assert plan.ended_on == dt.date(2026, 9, 30)
    assert plan.due_on == dt.date(2026, 10, 13)


def test_tasks_go_to_learners_managers_peers_and_self(setup):
    manager, people, trainer, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    surveys = Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY)
    assert {t.assignee_id for t in surveys} == {p.pk for p in people}
    evaluations = Task.objects.filter(plan=plan, kind=ActivityKind.EVALUATION)
    assert evaluations.filter(audience=Audience.MANAGER, assignee=manager).count() == 4
    assert evaluations.filter(audience=Audience.SELF).count() == 4
    assert all(t.assignee_id == t.subject_id for t in evaluations.filter(audience=Audience.SELF))
    peers = evaluations.filter(audience=Audience.PEERS)
    assert peers.count() == 4 * 3  # three peers each, nobody evaluates themselves
    assert not any(t.assignee_id == t.subject_id for t in peers)
    observations = Task.objects.filter(plan=plan, kind=ActivityKind.OBSERVATION, subject=people[0])
    assert [t.occurrence for t in observations.order_by("occurrence")] == [1, 2, 3]
    assert all(t.assignee_id == manager.pk for t in observations)
    assert not Task.objects.filter(plan=plan, assignee=trainer).exists()


def test_due_dates_follow_the_offsets_and_land_on_working_days(setup):
    *_rest, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    survey = Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY).first()
    assert survey.due_on == dt.date(2026, 10, 8)  # 10-07 is a holiday: the next working day
    assert survey.remind_on <= survey.due_on
    test = Task.objects.filter(plan=plan, kind=ActivityKind.TEST).first()
    assert test.due_on == dt.date(2026, 10, 14)
    evaluation = Task.objects.filter(plan=plan, kind=ActivityKind.EVALUATION).first()
    assert evaluation.due_on == dt.date(2026, 12, 30)
    months = sorted({t.due_on for t in Task.objects.filter(plan=plan, kind=ActivityKind.OBSERVATION)})
    assert months == [dt.date(2026, 10, 30), dt.date(2026, 11, 30), dt.date(2026, 12, 30)]


def test_a_date_beyond_the_official_calendar_marks_the_plan_as_estimated(setup):
    *_rest, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    assert plan.calendar_fallback  # the annual career review falls in 2027


def test_a_session_gets_one_plan(setup):
    *_rest, session = setup
    services.plan_create(template=services.default_template(), session=session)
    with pytest.raises(ApplicationError) as refused:
        services.plan_create(template=services.default_template(), session=session)
    assert refused.value.message == _("This session has a tracking plan already.")


def test_generating_again_adds_only_the_tasks_of_a_learner_enrolled_later(setup, org):
    manager, _people, _trainer, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    assert services.plan_generate_tasks(plan=plan) == 0
    from jifen.catalog.models import Enrolment
    late = org.person(name="晚来的", manager=manager)
    Enrolment.objects.create(session=session, person=late)
    assert services.plan_generate_tasks(plan=plan) > 0
    assert Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY, assignee=late).count() == 1


def test_a_programme_plan_covers_all_its_sessions(org):
    _manager, people, trainer = factories.team(org)
    first = factories.session(unit=org.platform, trainer=trainer, learners=people[:2], ends_on=dt.date(2026, 3, 6))
    second = factories.session(unit=org.platform, trainer=trainer, learners=people[2:], ends_on=dt.date(2026, 3, 13))
    programme = services.programme_create(name="新经理训练营", org_unit=org.platform, sessions=[first, second])
    plan = services.plan_create(template=services.default_template(), programme=programme)
    assert plan.ended_on == dt.date(2026, 3, 13)
    assert {t.assignee_id for t in plan.tasks.filter(kind=ActivityKind.SURVEY)} == {p.pk for p in people}


def test_a_trainer_activity_goes_to_the_sessions_trainer(setup):
    _manager, _people, trainer, session = setup
    template = services.template_create(name="讲师观察")
    services.activity_add(template=template, kind=ActivityKind.OBSERVATION, offset=10,
                          offset_unit=OffsetUnit.WORKING_DAYS, audiences=[Audience.TRAINER])
    plan = services.plan_create(template=template, session=session)
    tasks = plan.tasks.all()
    assert {t.assignee_id for t in tasks} == {trainer.pk} and tasks.count() == 4
    assert tasks.first().due_on == dt.date(2026, 10, 20)


def test_weights_must_add_up_to_100(db):
    template = services.default_template()
    with pytest.raises(ApplicationError) as refused:
        services.template_update(template=template, manager_weight=60)
    assert refused.value.message == _("The weights of manager, peers and self must add up to 100.")
    services.template_update(template=template, manager_weight=60, peers_weight=20)


def test_a_task_without_a_form_is_marked_done_and_closing_cancels_the_rest(setup):
    _manager, _people, _trainer, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    task = plan.tasks.filter(kind=ActivityKind.DEVELOPMENT_PLAN).first()
    services.task_complete(task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at
    with pytest.raises(ApplicationError):
        services.task_complete(task=task)
    services.plan_close(plan=plan)
    assert not plan.tasks.filter(status=TaskStatus.OPEN).exists()


def test_open_tasks_past_their_due_date_become_overdue(setup):
    *_rest, session = setup
    plan = services.plan_create(template=services.default_template(), session=session)
    assert services.tasks_mark_overdue(today=dt.date(2026, 10, 9)) == 4  # the surveys
    assert plan.tasks.filter(status=TaskStatus.OVERDUE, kind=ActivityKind.SURVEY).count() == 4


def test_the_daily_command_marks_overdue_tasks(setup):
    from django.core.management import call_command

    *_rest, session = setup
    services.plan_create(template=services.default_template(), session=session)
    call_command("followup_overdue")  # today is after every due date of a 2026-09-30 session's survey
    assert Task.objects.filter(kind=ActivityKind.SURVEY, status=TaskStatus.OVERDUE).count() == 4
