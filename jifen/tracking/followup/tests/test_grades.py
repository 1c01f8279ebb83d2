"""Test results are graded 优秀 / 良好 / 合格 / 不合格 by the template's thresholds and kept in the
person's training record."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Grade, TaskStatus, TestResult
from jifen.tracking.followup.tests import factories


@pytest.fixture
def plan(org):
    _manager, people, trainer = factories.team(org, size=2)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people)
    return services.plan_create(template=services.default_template(), session=session)


@pytest.mark.parametrize(("score", "grade"), [
    (100, Grade.EXCELLENT), (90, Grade.EXCELLENT), (89.99, Grade.GOOD), (80, Grade.GOOD), (79.5, Grade.PASS),
    (60, Grade.PASS), (59.99, Grade.FAIL), (0, Grade.FAIL),
])
def test_default_grade_bands_are_90_80_60(db, score, grade):
    assert services.grade_for(Decimal(str(score)), services.default_template()) == grade


def test_an_admin_can_set_other_thresholds(db):
    template = services.template_update(template=services.default_template(), excellent_from=95, good_from=85,
                                        pass_from=70)
    assert services.grade_for(Decimal(92), template) == Grade.GOOD
    assert services.grade_for(Decimal(65), template) == Grade.FAIL


def test_thresholds_out_of_order_are_refused(db):
    with pytest.raises(ApplicationError) as refused:
        services.template_update(template=services.default_template(), good_from=95)
    assert refused.value.message == _("The thresholds must fall from 优秀 to 良好 to 合格, between 0 and 100.")


def test_recording_a_result_grades_it_writes_the_record_and_completes_the_test_task(plan):
    person = plan.tasks.filter(kind=ActivityKind.TEST).first().assignee
    result = services.test_result_record(plan=plan, person=person, score="86.5", pre_score="70",
                                         taken_on=dt.date(2026, 3, 20))
    assert result.grade == Grade.GOOD and result.get_grade_display() == "良好"
    assert result.improvement == Decimal("16.5")
    assert plan.tasks.get(kind=ActivityKind.TEST, assignee=person).status == TaskStatus.DONE
    again = services.test_result_record(plan=plan, person=person, score=91)  # a correction
    assert again.pk == result.pk and again.grade == Grade.EXCELLENT
    assert TestResult.objects.count() == 1


def test_a_score_above_100_or_someone_outside_the_plan_is_refused(plan, org):
    person = plan.tasks.filter(kind=ActivityKind.TEST).first().assignee
    with pytest.raises(ApplicationError) as refused:
        services.test_result_record(plan=plan, person=person, score=101)
    assert refused.value.message == _("Enter a score from 0 to 100.")
    with pytest.raises(ApplicationError) as refused:
        services.test_result_record(plan=plan, person=org.person(name="路人"), score=80)
    assert refused.value.message == _("This person is not a learner of the plan.")


def test_a_learner_cannot_complete_their_own_test_task(plan):
    task = plan.tasks.filter(kind=ActivityKind.TEST).first()
    with pytest.raises(ApplicationError) as refused:
        services.task_complete(task=task)
    assert refused.value.message == _("The training department records the test result.")
