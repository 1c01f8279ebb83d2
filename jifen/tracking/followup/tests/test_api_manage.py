"""Follow-up plans, templates, forms and report settings through the API, in the training admins' terms:
the same rules as the pages, inside the admin's units only; templates and forms need an admin-scope
token; anonymous survey answers never come back with a name."""

import datetime as dt
import json

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from jifen.api.tests.helpers import API, bearer, is_problem
from jifen.catalog.models import Session
from jifen.org.models import Role
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Plan, PlanTemplate, Task, TaskStatus, TestResult
from jifen.tracking.followup.tests import factories
from jifen.tracking.instruments import services as instruments
from jifen.tracking.reports.models import PlanReport


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return _(message)


def call(client, method: str, path: str, body=None, **headers):
    if body is None:
        return getattr(client, method)(f"{API}{path}", **headers)
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body), content_type="application/json",
                                   **headers)


@pytest.fixture
def setup(org):
    manager, people, trainer = factories.team(org, size=3)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 3, 6))
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    outsider = org.person(unit=org.marketing, name="钱多多")
    marketing_session = factories.session(unit=org.marketing, learners=[outsider], ends_on=dt.date(2026, 3, 6))
    return {"manager": manager, "people": people, "trainer": trainer, "session": session, "admin": admin,
            "outsider": outsider, "marketing_session": marketing_session}


@pytest.fixture
def admin_client(client, setup):
    client.force_login(setup["admin"].user)
    return client


def make_plan(setup, key: str = "session") -> Plan:
    return services.plan_create(template=services.default_template(), session=setup[key])


# ---------------------------------------------------------------- plans


def test_a_training_admin_makes_a_plan_for_a_session_and_its_tasks_are_given_out(admin_client, setup):
    response = call(admin_client, "post", "/tracking/plans", {"session_id": setup["session"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    plan = Plan.objects.get(session=setup["session"])
    assert body["id"] == plan.pk and body["template"] == services.default_template().name
    assert body["task_count"] == plan.tasks.count() > 0 and body["progress"]["total"] == body["task_count"]
    assert {p["employee_no"] for p in body["learners"]} == {p.employee_no for p in setup["people"]}
    assert body["has_test"] and body["has_peers"]


def test_a_second_plan_for_the_same_session_is_refused_with_the_reason(admin_client, setup):
    make_plan(setup)
    response = call(admin_client, "post", "/tracking/plans", {"session_id": setup["session"].pk})
    body = is_problem(response, 400)
    assert body["detail"] == zh("This session has a tracking plan already.") and body["field"] == "session"
    assert Plan.objects.filter(session=setup["session"]).count() == 1


def test_a_session_outside_the_admins_units_cannot_be_followed_up(admin_client, setup):
    response = call(admin_client, "post", "/tracking/plans", {"session_id": setup["marketing_session"].pk})
    is_problem(response, 404)
    assert not Plan.objects.exists()


def test_a_programme_of_sessions_gets_one_plan_but_not_with_a_cancelled_session(admin_client, setup, org):
    second = factories.session(unit=org.platform, learners=setup["people"][:1], ends_on=dt.date(2026, 3, 20))
    body = {"name": "新员工训练营", "session_ids": [setup["session"].pk, second.pk]}
    Session.objects.filter(pk=second.pk).update(status=Session.Status.CANCELLED)
    refused = is_problem(call(admin_client, "post", "/tracking/programme-plans", body), 400)
    assert refused["detail"] == zh("This session was cancelled.")
    Session.objects.filter(pk=second.pk).update(status=Session.Status.PLANNED)
    response = call(admin_client, "post", "/tracking/programme-plans", body)
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(pk=response.json()["id"])
    assert plan.programme is not None and sorted(response.json()["sessions"]) == sorted(body["session_ids"])


def test_the_plans_list_shows_progress_and_only_the_admins_units(admin_client, setup):
    plan = make_plan(setup)
    other = make_plan(setup, "marketing_session")
    task = plan.tasks.exclude(kind=ActivityKind.TEST).first()
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    body = call(admin_client, "get", "/tracking/plans").json()
    assert [item["id"] for item in body["items"]] == [plan.pk]
    assert body["items"][0]["done_count"] == 1 and body["items"][0]["percent"] >= 0
    is_problem(call(admin_client, "get", f"/tracking/plans/{other.pk}"), 404)
    assert call(admin_client, "get", "/tracking/plans?status=closed").json()["count"] == 0


def test_closing_a_plan_cancels_its_open_tasks(admin_client, setup):
    plan = make_plan(setup)
    response = call(admin_client, "post", f"/tracking/plans/{plan.pk}/close")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert not plan.tasks.filter(status=TaskStatus.OPEN).exists()
    assert plan.tasks.filter(status=TaskStatus.CANCELLED).exists()


def test_a_chosen_peer_gets_the_evaluation_tasks_about_the_learner(admin_client, setup, org):
    plan = make_plan(setup)
    peer = org.person(unit=org.platform, name="王同事")
    learner = setup["people"][0]
    response = call(admin_client, "post", f"/tracking/plans/{plan.pk}/peers",
                    {"subject_id": learner.pk, "peer_id": peer.pk})
    assert response.status_code == 201, response.content
    assert response.json()["tasks_made"] >= 1
    assert Task.objects.filter(plan=plan, assignee=peer, subject=learner, kind=ActivityKind.EVALUATION).exists()
    again = is_problem(call(admin_client, "post", f"/tracking/plans/{plan.pk}/peers",
                            {"subject_id": learner.pk, "peer_id": peer.pk}), 400)
    assert again["detail"] == zh("This peer already evaluates this learner.")
    is_problem(call(admin_client, "post", f"/tracking/plans/{plan.pk}/peers",
                    {"subject_id": learner.pk, "peer_id": setup["outsider"].pk}), 404)


def test_a_recorded_score_is_graded_and_completes_the_test_task(admin_client, setup):
    plan = make_plan(setup)
    learner = setup["people"][0]
    response = call(admin_client, "post", f"/tracking/plans/{plan.pk}/test-results",
                    {"person_id": learner.pk, "score": "91", "pre_score": "70"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grade"] == "excellent" and body["grade_label"] == "优秀" and body["improvement"] == 21.0
    assert TestResult.objects.get(plan=plan, person=learner).score == 91
    assert not plan.tasks.filter(kind=ActivityKind.TEST, assignee=learner, status=TaskStatus.OPEN).exists()
    refused = is_problem(call(admin_client, "post", f"/tracking/plans/{plan.pk}/test-results",
                              {"person_id": setup["outsider"].pk, "score": "80"}), 400)
    assert refused["detail"] == zh("This person is not a learner of the plan.")
    is_problem(call(admin_client, "post", f"/tracking/plans/{plan.pk}/test-results",
                    {"person_id": learner.pk, "score": "101"}), 422)


def test_report_settings_change_only_the_fields_given(admin_client, setup):
    plan = make_plan(setup)
    first = call(admin_client, "get", f"/tracking/plans/{plan.pk}/report-settings").json()
    assert first["satisfaction_goal"] == 90.0 and first["updated_at"] is None
    response = call(admin_client, "patch", f"/tracking/plans/{plan.pk}/report-settings",
                    {"cost": "12000", "conclusion": "达到预期"})
    assert response.status_code == 200, response.content
    assert call(admin_client, "patch", f"/tracking/plans/{plan.pk}/report-settings",
                {"benefit": "30000"}).status_code == 200  # the cost saved before still counts
    report = PlanReport.objects.get(plan=plan)
    assert (report.cost, report.benefit, report.conclusion, report.satisfaction_goal) == (12000, 30000, "达到预期",
                                                                                         90)
    refused = is_problem(call(admin_client, "patch", f"/tracking/plans/{plan.pk}/report-settings",
                              {"baseline_start": "2026-02-01", "baseline_end": "2026-01-01"}), 400)
    assert refused["detail"] == zh("The baseline period ends before it starts.")


def test_a_manager_reads_the_record_of_their_report_and_a_learner_only_their_own(client, setup):
    plan = make_plan(setup)
    learner, other = setup["people"][:2]
    services.test_result_record(plan=plan, person=learner, score=85)
    client.force_login(setup["manager"].user)
    body = call(client, "get", f"/tracking/people/{learner.pk}/record").json()
    assert [r["score"] for r in body["test_results"]] == [85.0] and body["own"] is False
    is_problem(call(client, "get", f"/tracking/people/{setup['outsider'].pk}/record"), 404)
    client.force_login(learner.user)
    assert call(client, "get", f"/tracking/people/{learner.pk}/record").json()["own"] is True
    is_problem(call(client, "get", f"/tracking/people/{other.pk}/record"), 403)


def test_test_grades_in_scope_can_be_filtered_by_grade(client, setup):
    plan = make_plan(setup)
    services.test_result_record(plan=plan, person=setup["people"][0], score=95)
    services.test_result_record(plan=plan, person=setup["people"][1], score=50)
    client.force_login(setup["manager"].user)
    body = call(client, "get", "/tracking/test-results?grade=fail").json()
    assert [r["person"]["employee_no"] for r in body["items"]] == [setup["people"][1].employee_no]


def test_anonymous_survey_answers_never_come_back_with_a_name(admin_client, setup):
    plan = make_plan(setup)
    for person in setup["people"]:
        task = Task.objects.get(plan=plan, kind=ActivityKind.SURVEY, assignee=person)
        version = task.activity.form.current_version()
        answers = {q.pk: (f"{person.name}的建议" if q.kind == "text" else 4) for q in version.questions.all()}
        services.task_complete(task=task, answers=answers)
    texts = [call(admin_client, "get", f"/tracking/plans/{plan.pk}").content.decode()]
    texts += [call(admin_client, "get", f"/tracking/people/{p.pk}/record").content.decode() for p in setup["people"]]
    form = plan.template.activities.get(kind=ActivityKind.SURVEY).form
    texts.append(call(admin_client, "get", f"/tracking/forms/{form.pk}").content.decode())
    for text in texts:
        assert "的建议" not in text
    # the results (3 answers) are only the anonymous summary, texts sorted, no names
    results = call(admin_client, "get", f"/tracking/plans/{plan.pk}/survey-results").json()
    assert results[0]["count"] == 3 and "employee_no" not in json.dumps(results)


# ---------------------------------------------------------------- templates and forms (admin scope)


def test_a_template_is_made_and_changed_with_an_admin_token(client, setup):
    headers = bearer(setup["admin"].user, "admin")
    response = call(client, "post", "/tracking/templates", {"name": "管理者跟踪", "plan_due_working_days": 3},
                    **headers)
    assert response.status_code == 201, response.content
    template = PlanTemplate.objects.get(pk=response.json()["id"])
    response = call(client, "patch", f"/tracking/templates/{template.pk}", {"pass_from": "65"}, **headers)
    assert response.status_code == 200 and response.json()["pass_from"] == 65.0
    template.refresh_from_db()
    assert (template.pass_from, template.plan_due_working_days) == (65, 3)


def test_weights_that_do_not_add_up_to_100_are_refused(admin_client, setup):
    response = call(admin_client, "post", "/tracking/templates", {"name": "错误权重", "manager_weight": "60"})
    body = is_problem(response, 400)
    assert body["detail"] == zh("The weights of manager, peers and self must add up to 100.")
    assert body["field"] == "manager_weight"
    assert not PlanTemplate.objects.filter(name="错误权重").exists()


def test_a_write_token_cannot_change_templates_or_forms_but_runs_plans(client, setup):
    headers = bearer(setup["admin"].user, "write")
    template = services.default_template()
    for method, path, body in [("post", "/tracking/templates", {"name": "x"}),
                               ("patch", f"/tracking/templates/{template.pk}", {"name": "x"}),
                               ("post", "/tracking/forms", {"name": "x"})]:
        refused = is_problem(call(client, method, path, body, **headers), 403)
        assert refused["required_scope"] == "admin"
    assert call(client, "post", "/tracking/plans", {"session_id": setup["session"].pk}, **headers).status_code == 201
    read = bearer(setup["admin"].user, "read")
    plan = Plan.objects.get()
    assert is_problem(call(client, "post", f"/tracking/plans/{plan.pk}/close", **read), 403)["required_scope"] \
        == "write"
    assert call(client, "get", "/tracking/templates", **read).status_code == 200


def test_activities_are_added_to_a_template_and_one_in_use_stays(admin_client, setup):
    template = services.default_template()
    response = call(admin_client, "post", f"/tracking/templates/{template.pk}/activities",
                    {"kind": "custom", "title": "复盘会", "offset": 2, "offset_unit": "weeks",
                     "audiences": ["learner", "manager"]})
    assert response.status_code == 201, response.content
    added = template.activities.get(title="复盘会")
    assert added.audiences == ["learner", "manager"]
    refused = is_problem(call(admin_client, "post", f"/tracking/templates/{template.pk}/activities",
                              {"kind": "survey", "audiences": ["learner"]}), 400)
    assert refused["detail"] == zh("Choose the form to answer.")
    assert call(admin_client, "delete", f"/tracking/templates/{template.pk}/activities/{added.pk}").status_code == 200
    assert not template.activities.filter(pk=added.pk).exists()
    make_plan(setup)
    survey = template.activities.get(kind=ActivityKind.SURVEY)
    kept = is_problem(call(admin_client, "delete", f"/tracking/templates/{template.pk}/activities/{survey.pk}"), 400)
    assert kept["detail"] == zh("Plans already have tasks of this activity: it stays.")


def test_a_form_is_built_and_an_answered_version_is_kept(admin_client, setup):
    response = call(admin_client, "post", "/tracking/forms", {"name": "带教评估", "kind": "evaluation"})
    assert response.status_code == 201, response.content
    form_id = response.json()["id"]
    for text in ("讲师准备充分", "案例贴近工作"):
        response = call(admin_client, "post", f"/tracking/forms/{form_id}/questions", {"kind": "likert", "text": text})
        assert response.status_code == 201
    questions = response.json()["questions"]
    assert [q["text"] for q in questions] == ["讲师准备充分", "案例贴近工作"] and response.json()["version"] == 1
    moved = call(admin_client, "post", f"/tracking/forms/{form_id}/questions/{questions[1]['id']}/move",
                 {"direction": "up"}).json()
    assert [q["text"] for q in moved["questions"]] == ["案例贴近工作", "讲师准备充分"]
    # once answered, a change makes version 2 and version 1 keeps its wording
    from jifen.tracking.instruments.models import Form

    form = Form.objects.get(pk=form_id)
    instruments.mark_in_use(form.current_version())
    after = call(admin_client, "delete", f"/tracking/forms/{form_id}/questions/{moved['questions'][0]['id']}").json()
    assert after["version"] == 2 and [q["text"] for q in after["questions"]] == ["讲师准备充分"]
    assert form.versions.get(number=1).questions.count() == 2
    refused = is_problem(call(admin_client, "post", f"/tracking/forms/{form_id}/questions",
                              {"kind": "single", "text": "选一个", "options": ["只有一个"]}), 400)
    assert refused["detail"] == zh("List at least two choices, one per line.")


def test_the_forms_a_survey_activity_may_use_are_the_anonymous_ones(admin_client, setup):
    instruments.form_create(name="课堂反馈", kind="general")
    body = call(admin_client, "get", "/tracking/forms?activity_kind=survey").json()
    assert body and all(f["anonymous"] for f in body)


def test_nobody_without_the_right_reaches_templates_or_plans(client, setup):
    client.force_login(setup["manager"].user)
    assert is_problem(call(client, "get", "/tracking/templates"), 403)
    assert is_problem(call(client, "get", "/tracking/plans"), 403)
    assert is_problem(call(client, "post", "/tracking/forms", {"name": "x"}), 403)
