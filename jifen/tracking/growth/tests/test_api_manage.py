"""Acknowledging feedback, confirming the archive, self-reports, development plans and improvement actions
through the API, in the users' terms: the same rules as the pages, 404 outside the caller's scope."""

import datetime as dt
import json

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from jifen.api.tests.helpers import API, bearer, is_problem
from jifen.org.permissions import Perm, access_for_user
from jifen.tracking.growth import services
from jifen.tracking.growth.models import (
    ActionCheck,
    ActionStatus,
    ApplicationCase,
    CareerReview,
    DevelopmentPlan,
    Horizon,
    ImprovementAction,
    Observation,
    SelfReport,
)
from jifen.tracking.growth.tests.factories import text_file, today


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return _(message)


def call(client, method: str, path: str, body=None, **headers):
    if body is None:
        return getattr(client, method)(f"{API}{path}", **headers)
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body), content_type="application/json",
                                   **headers)


def observe(team, person):
    return services.observation_create(observer=team.manager.user, people=None, person=person, course=team.course,
                                       observed_on=today(), skills="先倾听再回应", rating="sometimes",
                                       feedback="评审会上先复述需求")


def submitted_plan(person, *, start: int | None = None):
    year = start or today().year
    return services.plan_save(person=person, start_year=year, end_year=year + 1, short_goals="独立负责模块",
                              submit=True)


def agree(team, plan):
    people = access_for_user(team.manager.user).people(Perm.TRACKING_FOLLOW)
    return services.plan_decide(plan=plan, manager=team.manager.user, people=people, agree=True)


def an_action(team, unit=None, **extra):
    return services.action_create(created_by=team.admin.user, units=None, title="增加案例演练", source="meeting",
                                  org_unit=unit or team.org.platform, deadline=today() + dt.timedelta(days=10),
                                  expected_effect="满意度 90%", **extra)


# ---------------------------------------------------------------- observations


def test_the_observed_person_acknowledges_the_feedback_once(client, team):
    observation = observe(team, team.employee)
    client.force_login(team.employee.user)
    response = call(client, "post", f"/growth/observations/{observation.pk}/acknowledge")
    assert response.status_code == 200, response.content
    first = Observation.objects.get(pk=observation.pk).acknowledged_at
    assert first is not None and response.json()["acknowledged_at"] is not None
    call(client, "post", f"/growth/observations/{observation.pk}/acknowledge")
    assert Observation.objects.get(pk=observation.pk).acknowledged_at == first


def test_nobody_acknowledges_someone_elses_feedback(client, team):
    observation = observe(team, team.employee)
    client.force_login(team.manager.user)
    is_problem(call(client, "post", f"/growth/observations/{observation.pk}/acknowledge"), 404)
    assert Observation.objects.get(pk=observation.pk).acknowledged_at is None


def test_a_manager_lists_the_observations_of_their_people_only(client, team):
    observe(team, team.employee)
    services.observation_create(observer=team.admin.user, people=None, person=team.outsider, course=team.course,
                                observed_on=today(), skills="倾听", rating="sometimes", feedback="好")
    client.force_login(team.manager.user)
    body = call(client, "get", "/growth/followed/observations").json()
    assert [o["person"]["employee_no"] for o in body["items"]] == ["RD-0001"]
    client.force_login(team.employee.user)
    is_problem(call(client, "get", "/growth/followed/observations"), 403)


# ---------------------------------------------------------------- the application archive


def test_a_manager_confirms_a_case_of_their_report_with_a_comment(client, team):
    case = services.case_create(person=team.employee, course=team.course, title="接口评审", situation="理解不一致",
                                effect="一轮通过", applied_on=today(), evidence=text_file())
    client.force_login(team.manager.user)
    pending = call(client, "get", "/growth/followed/cases?pending=true").json()
    assert [c["id"] for c in pending["items"]] == [case.pk]
    assert call(client, "get", f"/growth/cases/{case.pk}").json()["title"] == "接口评审"
    response = call(client, "post", f"/growth/cases/{case.pk}/confirm", {"comment": "很好"})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.confirmed_by == team.manager.user and case.comment == "很好"
    again = is_problem(call(client, "post", f"/growth/cases/{case.pk}/confirm", {}), 400)
    assert again["detail"] == zh("This has already been confirmed.")
    assert call(client, "get", "/growth/followed/cases?pending=true").json()["count"] == 0


def test_a_case_outside_the_scope_is_not_found_and_a_learner_sees_only_their_own(client, team):
    outside = services.case_create(person=team.outsider, course=team.course, title="外部", situation="x", effect="y",
                                   applied_on=today())
    own = services.case_create(person=team.employee, course=team.course, title="自己的", situation="x", effect="y",
                               applied_on=today())
    client.force_login(team.manager.user)
    is_problem(call(client, "get", f"/growth/cases/{outside.pk}"), 404)
    is_problem(call(client, "post", f"/growth/cases/{outside.pk}/confirm", {}), 404)
    assert ApplicationCase.objects.get(pk=outside.pk).confirmed_at is None
    client.force_login(team.employee.user)
    assert call(client, "get", f"/growth/cases/{own.pk}").status_code == 200
    is_problem(call(client, "get", f"/growth/cases/{outside.pk}"), 403)


def test_an_employee_sends_a_self_report_once_a_period_and_the_manager_confirms(client, team):
    client.force_login(team.employee.user)
    body = {"period": "quarter", "day": today().isoformat(), "achievements": "应用了三次", "course_id": team.course.pk}
    response = call(client, "post", "/growth/reports", body)
    assert response.status_code == 201, response.content
    assert response.json()["course"]["code"] == team.course.code
    again = is_problem(call(client, "post", "/growth/reports", body), 400)
    assert again["detail"] == zh("You have already sent the report for this period.")
    assert [r["period"] for r in call(client, "get", "/growth/reports/mine").json()] == ["quarter"]
    report = SelfReport.objects.get()
    client.force_login(team.manager.user)
    assert [r["id"] for r in call(client, "get", "/growth/followed/reports").json()["items"]] == [report.pk]
    assert call(client, "post", f"/growth/reports/{report.pk}/confirm", {"comment": "继续"}).status_code == 200
    assert SelfReport.objects.get().confirmed_by == team.manager.user


def test_a_manager_cannot_confirm_their_own_self_report(client, team):
    own = services.report_create(person=team.manager, period="month", day=today(), achievements="自己写的")
    client.force_login(team.manager.user)
    refused = is_problem(call(client, "post", f"/growth/reports/{own.pk}/confirm", {}), 400)
    assert refused["detail"] == zh("Your own record is confirmed by your manager.")


# ---------------------------------------------------------------- development plans


def test_an_employee_writes_a_plan_and_sends_it_to_the_manager(client, team):
    client.force_login(team.employee.user)
    year = today().year
    response = call(client, "post", "/growth/development-plans", {
        "start_year": year, "end_year": year + 2, "aspiration": "技术负责人",
        "short_goals": ["独立负责一个模块", "做两次技术分享"], "long_goals": ["带小组"],
        "actions": [{"text": "完成沟通技巧课程", "due_on": f"{year}-12-31", "status": "doing"}],
        "course_ids": [team.course.pk], "submit": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["short_goals"] == ["独立负责一个模块", "做两次技术分享"]
    plan = DevelopmentPlan.objects.get()
    assert [g.text for g in plan.goals.filter(horizon=Horizon.LONG)] == ["带小组"]
    assert list(plan.courses.all()) == [team.course]
    changed = call(client, "put", f"/growth/development-plans/{plan.pk}",
                   {"start_year": year, "end_year": year + 2, "short_goals": ["独立负责一个模块"]})
    assert changed.status_code == 200 and changed.json()["status"] == "draft"  # changed: back to a draft
    assert [p["id"] for p in call(client, "get", "/growth/development-plans/mine").json()] == [plan.pk]


def test_sending_a_plan_without_a_short_term_goal_is_refused(client, team):
    client.force_login(team.employee.user)
    year = today().year
    refused = is_problem(call(client, "post", "/growth/development-plans",
                              {"start_year": year, "end_year": year + 1, "submit": True}), 400)
    assert refused["detail"] == zh("Write at least one short-term goal before sending the plan.")
    assert not DevelopmentPlan.objects.exists()


def test_nobody_changes_someone_elses_plan(client, team):
    plan = submitted_plan(team.employee)
    client.force_login(team.manager.user)
    year = today().year
    is_problem(call(client, "put", f"/growth/development-plans/{plan.pk}",
                    {"start_year": year, "end_year": year + 1, "short_goals": ["改掉"]}), 404)
    assert DevelopmentPlan.objects.get().status == DevelopmentPlan.Status.SUBMITTED


def test_the_manager_sends_a_plan_back_with_a_note_then_agrees(client, team):
    plan = submitted_plan(team.employee)
    client.force_login(team.manager.user)
    assert [p["id"] for p in call(client, "get", "/growth/followed/development-plans?status=submitted")
            .json()["items"]] == [plan.pk]
    refused = is_problem(call(client, "post", f"/growth/development-plans/{plan.pk}/decision",
                              {"decision": "return"}), 400)
    assert refused["detail"] == zh("Say what should change.")
    back = call(client, "post", f"/growth/development-plans/{plan.pk}/decision",
                {"decision": "return", "note": "目标再具体些"}).json()
    assert back["status"] == "draft" and back["manager_note"] == "目标再具体些"
    DevelopmentPlan.objects.filter(pk=plan.pk).update(status=DevelopmentPlan.Status.SUBMITTED)
    agreed = call(client, "post", f"/growth/development-plans/{plan.pk}/decision", {"decision": "agree"}).json()
    assert agreed["status"] == "agreed" and DevelopmentPlan.objects.get().agreed_by == team.manager.user


def test_the_yearly_career_review_is_recorded_against_an_agreed_plan(client, team):
    plan = agree(team, submitted_plan(team.employee))
    client.force_login(team.manager.user)
    body = {"year": today().year, "achieved": ["已负责支付模块"], "assessment": "进步明显", "next_steps": "带新人"}
    response = call(client, "post", f"/growth/development-plans/{plan.pk}/reviews", body)
    assert response.status_code == 201, response.content
    assert response.json()["outcomes"] == [{"goal": "独立负责模块", "horizon": "short", "achieved": "已负责支付模块"}]
    again = is_problem(call(client, "post", f"/growth/development-plans/{plan.pk}/reviews", body), 400)
    assert again["detail"] == zh("This year's review has already been recorded.")
    assert CareerReview.objects.count() == 1
    assert len(call(client, "get", f"/growth/development-plans/{plan.pk}").json()["reviews"]) == 1


def test_a_plan_outside_the_scope_is_not_found(client, team):
    plan = submitted_plan(team.outsider)
    client.force_login(team.manager.user)
    is_problem(call(client, "get", f"/growth/development-plans/{plan.pk}"), 404)
    is_problem(call(client, "post", f"/growth/development-plans/{plan.pk}/decision", {"decision": "agree"}), 404)
    assert DevelopmentPlan.objects.get().status == DevelopmentPlan.Status.SUBMITTED


# ---------------------------------------------------------------- improvement actions


def test_an_action_is_edited_and_checked_then_verified(client, team):
    action = an_action(team)
    client.force_login(team.admin.user)
    deadline = (today() + dt.timedelta(days=30)).isoformat()
    response = call(client, "put", f"/growth/actions/{action.pk}", {
        "title": "统一纪要模板", "source": "report", "org_unit_id": team.org.platform.pk,
        "responsible_id": team.employee.pk, "deadline": deadline, "expected_effect": "纪要按时率 95%"})
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert (action.title, action.responsible, str(action.deadline)) == ("统一纪要模板", team.employee, deadline)
    check = call(client, "post", f"/growth/actions/{action.pk}/checks",
                 {"checked_on": today().isoformat(), "result": "已落实", "effective": True})
    assert check.status_code == 201, check.content
    assert [c["result"] for c in call(client, "get", f"/growth/actions/{action.pk}/checks").json()] == ["已落实"]
    services.action_set_status(action=action, status=ActionStatus.DONE, actor=team.admin.user)
    detail = call(client, "get", f"/growth/actions/{action.pk}").json()
    assert detail["status"] == "done" and "verified" in detail["transitions"] and len(detail["checks"]) == 1


def test_a_future_check_and_a_closed_action_are_refused(client, team):
    action = an_action(team)
    client.force_login(team.admin.user)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    refused = is_problem(call(client, "post", f"/growth/actions/{action.pk}/checks",
                              {"checked_on": tomorrow, "result": "提前写"}), 400)
    assert refused["detail"] == zh("This date is in the future.") and refused["field"] == "checked_on"
    services.action_set_status(action=action, status=ActionStatus.CANCELLED, actor=team.admin.user)
    closed = is_problem(call(client, "put", f"/growth/actions/{action.pk}", {
        "title": "改", "source": "other", "org_unit_id": team.org.platform.pk,
        "deadline": today().isoformat(), "expected_effect": "x"}), 400)
    assert closed["detail"] == zh("A verified or cancelled action cannot be changed.")
    assert not ActionCheck.objects.exists()


def test_an_action_cannot_be_moved_to_a_unit_outside_the_scope(client, team):
    action = an_action(team)
    outside = an_action(team, unit=team.org.marketing)
    client.force_login(team.admin.user)
    body = {"title": "改", "source": "other", "org_unit_id": team.org.marketing.pk,
            "deadline": today().isoformat(), "expected_effect": "x"}
    is_problem(call(client, "put", f"/growth/actions/{action.pk}", body), 404)
    is_problem(call(client, "get", f"/growth/actions/{outside.pk}"), 404)
    assert ImprovementAction.objects.get(pk=action.pk).org_unit == team.org.platform


def test_a_read_token_cannot_confirm_or_check(client, team):
    case = services.case_create(person=team.employee, course=team.course, title="接口评审", situation="x",
                                effect="y", applied_on=today())
    action = an_action(team)
    read = bearer(team.admin.user, "read")
    assert is_problem(call(client, "post", f"/growth/cases/{case.pk}/confirm", {}, **read), 403)[
        "required_scope"] == "write"
    assert is_problem(call(client, "post", f"/growth/actions/{action.pk}/checks",
                           {"checked_on": today().isoformat(), "result": "x"}, **read), 403)["required_scope"] == "write"
    write = bearer(team.admin.user, "write")
    assert call(client, "post", f"/growth/cases/{case.pk}/confirm", {}, **write).status_code == 200


@pytest.mark.parametrize("path", ["/growth/followed/cases", "/growth/followed/reports",
                                  "/growth/followed/development-plans"])
def test_a_learner_does_not_reach_the_archive_of_others(client, team, path):
    client.force_login(team.employee.user)
    is_problem(call(client, "get", path), 403)
