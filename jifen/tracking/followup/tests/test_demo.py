"""The demo follow-up builds through the services and a second run changes nothing."""

from jifen.org.demo import build_demo as build_org
from jifen.tracking.followup import selectors
from jifen.tracking.followup.demo import build_demo
from jifen.tracking.followup.models import Plan, Task, TaskStatus, TestResult


def counts():
    return Plan.objects.count(), Task.objects.filter(status=TaskStatus.DONE).count(), TestResult.objects.count()


def test_the_demo_has_a_plan_with_survey_results_grades_and_open_tasks_for_the_learner_and_builds_once(db):
    build_org(people=30)
    made = build_demo()
    assert made["plans"] == 1 and made["tasks_done"] > 5
    plan = Plan.objects.get()
    [survey] = selectors.survey_results(plan)
    assert not survey["hidden"]
    assert Task.objects.filter(plan=plan, assignee__employee_no="JF0007", status=TaskStatus.OPEN).exists()
    first = counts()
    build_demo()
    assert counts() == first
