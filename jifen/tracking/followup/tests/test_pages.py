"""The pages in the users' terms: a learner answers the anonymous survey from the phone page, a manager
fills an evaluation, a training admin makes a plan and sees results only from 3 answers."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from jifen.org.models import Role
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Audience, Plan, Task, TaskStatus
from jifen.tracking.followup.tests import factories


@pytest.fixture
def setup(org):
    manager, people, trainer = factories.team(org, size=3)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 3, 6))
    plan = services.plan_create(template=services.default_template(), session=session)
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    return manager, people, plan, admin


def survey_post(task):
    version = task.activity.form.current_version()
    return {f"q{q.pk}": ("多一些案例" if q.kind == "text" else "4") for q in version.questions.all()}


def test_a_learner_answers_the_anonymous_survey_from_the_tasks_page(client, setup):
    _manager, people, plan, _admin = setup
    client.force_login(people[0].user)
    task = Task.objects.get(plan=plan, kind=ActivityKind.SURVEY, assignee=people[0])
    body = client.get(reverse("followup:tasks")).content.decode()
    assert reverse("followup:task", args=[task.pk]) in body
    page = client.get(reverse("followup:task", args=[task.pk])).content.decode()
    assert _("This survey is anonymous: your answers are stored without your name, and results are shown only "
             "when at least 3 people have answered.") in page
    response = client.post(reverse("followup:task", args=[task.pk]), survey_post(task))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_a_half_filled_survey_is_shown_again_with_the_answers_kept(client, setup):
    _manager, people, plan, _admin = setup
    client.force_login(people[0].user)
    task = Task.objects.get(plan=plan, kind=ActivityKind.SURVEY, assignee=people[0])
    data = survey_post(task)
    first = sorted(data)[0]
    data[first] = ""
    response = client.post(reverse("followup:task", args=[task.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert _("Please answer this question.") in body
    assert "多一些案例" in body


def test_a_manager_fills_an_evaluation_of_their_report(client, setup):
    manager, people, plan, _admin = setup
    task = Task.objects.select_related("activity__form").get(plan=plan, kind=ActivityKind.EVALUATION,
                                                             audience=Audience.MANAGER, subject=people[0])
    client.force_login(manager.user)
    assert people[0].name in client.get(reverse("followup:task", args=[task.pk])).content.decode()
    data = {}
    for q in task.activity.form.current_version().questions.all():
        if q.kind == "matrix":
            data.update({f"q{q.pk}_{i}": "4" for i in range(len(q.options))})
        else:
            data[f"q{q.pk}"] = "主动承担跨组沟通"
    assert client.post(reverse("followup:task", args=[task.pk]), data).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    record = client.get(reverse("followup:record", args=[people[0].pk])).content.decode()
    assert "主动承担跨组沟通" in record


def test_someone_elses_task_is_not_found(client, setup):
    _manager, people, plan, _admin = setup
    task = Task.objects.filter(plan=plan, assignee=people[1]).first()
    client.force_login(people[0].user)
    assert client.get(reverse("followup:task", args=[task.pk])).status_code == 404


def test_the_plan_page_hides_survey_results_until_three_answers(client, setup):
    _manager, _people, plan, admin = setup
    tasks = list(Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY).select_related("activity__form"))
    for task in tasks[:2]:
        services.task_complete(task=task, answers={k[1:]: v for k, v in survey_post(task).items()})
    client.force_login(admin.user)
    url = reverse("followup:plan", args=[plan.pk])
    hidden = _("Results are shown once at least %(n)s people have answered, so nobody can be recognised.") % {"n": 3}
    assert hidden in client.get(url).content.decode()
    api = client.get(f"/api/v1/tracking/plans/{plan.pk}/survey-results").json()
    assert api[0]["hidden"] and api[0]["questions"] == []
    services.task_complete(task=tasks[2], answers={k[1:]: v for k, v in survey_post(tasks[2]).items()})
    assert hidden not in client.get(url).content.decode()
    api = client.get(f"/api/v1/tracking/plans/{plan.pk}/survey-results").json()
    assert api[0]["satisfaction_percent"] == 100


def test_a_training_admin_makes_a_plan_and_records_a_grade(client, org):
    _manager, people, trainer = factories.team(org, size=2)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 9, 30))
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(admin.user)
    response = client.post(reverse("followup:plan_create"), {"session": session.pk,
                                                             "template": services.default_template().pk})
    plan = Plan.objects.get(session=session)
    assert response.status_code == 302 and plan.due_on == dt.date(2026, 10, 13)
    body = client.get(reverse("followup:plan", args=[plan.pk])).content.decode()
    assert "2026-10-13" in body
    response = client.post(reverse("followup:test_result", args=[plan.pk]),
                           {"result-person": people[0].pk, "result-score": "92"})
    assert response.status_code == 302
    client.force_login(people[0].user)
    assert "优秀" in client.get(reverse("followup:tasks")).content.decode()


def test_the_api_lists_my_tasks_with_the_form_and_takes_answers(client, setup):
    _manager, people, plan, admin = setup
    client.force_login(people[0].user)
    tasks = client.get("/api/v1/tracking/tasks").json()["items"]
    survey = next(t for t in tasks if t["kind"] == "survey")
    assert survey["form"]["anonymous"] and len(survey["form"]["questions"]) == 6
    answers = {str(q["id"]): (3 if q["kind"] == "likert" else "") for q in survey["form"]["questions"]}
    response = client.post(f"/api/v1/tracking/tasks/{survey['id']}/responses", json.dumps({"answers": answers}),
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "done"
    again = client.post(f"/api/v1/tracking/tasks/{survey['id']}/responses", json.dumps({"answers": answers}),
                        content_type="application/json")
    assert again.status_code == 400 and again.json()["detail"] == _("This task is done already.")
    client.force_login(admin.user)
    managed = client.get("/api/v1/tracking/tasks?scope=managed").json()
    assert managed["count"] == plan.tasks.count()


def test_a_plan_with_dates_beyond_the_calendar_says_they_are_estimated(client, setup):
    _manager, _people, plan, admin = setup
    client.force_login(admin.user)
    body = client.get(reverse("followup:plan", args=[plan.pk])).content.decode()
    assert _("Some dates fall in a year the official holiday calendar does not cover yet: Monday to Friday were "
             "counted as working days. Check them when the calendar is published.") in body


def test_a_training_admin_makes_a_plan_for_a_programme_of_two_sessions(client, org):
    _manager, people, trainer = factories.team(org, size=2)
    first = factories.session(unit=org.platform, trainer=trainer, learners=people[:1], ends_on=dt.date(2026, 3, 6))
    second = factories.session(unit=org.rnd, trainer=trainer, learners=people[1:], ends_on=dt.date(2026, 3, 13))
    outside = factories.session(unit=org.marketing, learners=[], ends_on=dt.date(2026, 3, 13))
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(admin.user)
    refused = client.post(reverse("followup:programme_plan_create"), {
        "name": "新经理训练营", "sessions": [first.pk, outside.pk], "template": services.default_template().pk})
    assert refused.status_code == 200 and not Plan.objects.exists()
    response = client.post(reverse("followup:programme_plan_create"), {
        "name": "新经理训练营", "sessions": [first.pk, second.pk], "template": services.default_template().pk})
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert plan.programme.name == "新经理训练营" and plan.org_unit == org.rnd
    assert plan.ended_on == dt.date(2026, 3, 13)
    assert {t.assignee_id for t in plan.tasks.filter(kind=ActivityKind.SURVEY)} == {p.pk for p in people}


def test_a_manager_sees_the_grades_of_their_people_and_nobody_elses(client, org):
    manager, people, trainer = factories.team(org, size=2)
    outsider = org.person(unit=org.marketing, name="钱多多")
    session = factories.session(unit=org.platform, trainer=trainer, learners=people)
    other = factories.session(unit=org.marketing, learners=[outsider])
    plan = services.plan_create(template=services.default_template(), session=session)
    services.test_result_record(plan=plan, person=people[0], score=95)
    services.test_result_record(plan=plan, person=people[1], score=50)
    services.test_result_record(plan=services.plan_create(template=services.default_template(), session=other),
                                person=outsider, score=70)
    client.force_login(manager.user)
    body = client.get(reverse("followup:results")).content.decode()
    assert "学员1" in body and "优秀" in body and "不合格" in body and "钱多多" not in body
    failed = client.get(reverse("followup:results"), {"grade": "fail"}).content.decode()
    assert "学员2" in failed and "学员1" not in failed
    assert client.get(reverse("followup:record", args=[outsider.pk])).status_code == 404
    assert "95" in client.get(reverse("followup:record", args=[people[0].pk])).content.decode()
