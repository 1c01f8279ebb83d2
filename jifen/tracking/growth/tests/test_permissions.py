"""Who may open what in application and growth: every role against every page and API operation of
the growth app, inside (研发中心 / 郑雨桐) and outside (市场部 / 钱多多) the scope.

Observations, cases, self-reports and plans exist for both people; improvement actions for 平台组
(inside) and 市场部 (outside). Every user with a person record also has an observation of their own
to acknowledge."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.api.api import api
from jifen.org.tests.test_permission_matrix import (
    API,
    FOLLOW_UP,
    FORM_REFUSED,
    LEARN,
    MANAGE_TRACKING,
    ROLES,
    SIGNED_IN,
    Case,
    World,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    page,
    scoped,
)
from jifen.tracking.growth import services
from jifen.tracking.growth import urls as growth_urls
from jifen.tracking.growth.models import (
    ActionCheck,
    ApplicationCase,
    CareerReview,
    DevelopmentPlan,
    ImprovementAction,
    Observation,
    SelfReport,
)
from jifen.tracking.growth.tests import factories


class GrowthWorld(World):
    def __init__(self):
        super().__init__()
        now = timezone.now()
        today = timezone.localdate(now)
        self.today = today
        admin = self.users["system_admin"]
        self.course = factories.course(title="高效沟通")
        self.own_observations = {}
        for role, user in self.users.items():
            if user is not None and hasattr(user, "person"):
                self.own_observations[role] = services.observation_create(
                    observer=admin, people=None, person=user.person, course=self.course, observed_on=today,
                    skills="先倾听再回应", rating="sometimes", feedback="继续保持")
        self.observations, self.cases, self.reports, self.submitted, self.agreed, self.actions = ({}, {}, {}, {},
                                                                                                   {}, {})
        for target in ("in", "out"):
            person = self.person(target)
            self.observations[target] = services.observation_create(
                observer=admin, people=None, person=person, course=self.course, observed_on=today,
                skills="复述需求", rating="consistently", feedback="评审会上先复述需求")
            self.cases[target] = services.case_create(
                person=person, course=self.course, title="接口评审", situation="字段理解不一致", effect="一轮通过",
                applied_on=today, evidence=factories.text_file(f"{target} 证据"))
            self.reports[target] = services.report_create(person=person, period="month", day=today,
                                                          achievements="本月应用了两次")
            self.agreed[target] = services.plan_save(person=person, start_year=today.year - 1, end_year=today.year,
                                                     short_goals="独立负责模块", submit=True)
            services.plan_decide(plan=self.agreed[target], manager=admin, people=None, agree=True)
            self.submitted[target] = services.plan_save(person=person, start_year=today.year + 1,
                                                        end_year=today.year + 2, short_goals="带新人", submit=True)
            self.actions[target] = services.action_create(
                created_by=admin, units=None, title="增加案例演练", source="meeting", org_unit=self.unit(target),
                deadline=today + dt.timedelta(days=10), expected_effect="满意度 90%", now=now)

        # Every user with a person record has a plan of their own (years ahead) to change through the API.
        self.own_plans = {role: services.plan_save(person=user.person, start_year=today.year + 10,
                                                   end_year=today.year + 11, short_goals="学英语")
                          for role, user in self.users.items() if user is not None and hasattr(user, "person")}

    def own_plan(self) -> int:
        found = self.own_plans.get(self.acting or "")
        return found.pk if found is not None else 999_999

    def own_observation(self) -> int:
        found = self.own_observations.get(self.acting or "")
        return found.pk if found is not None else 999_999


@pytest.fixture
def world(db) -> GrowthWorld:
    return GrowthWorld()


def growth_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(Observation.objects.order_by("pk").values_list("pk", "acknowledged_at")),
        list(ApplicationCase.objects.order_by("pk").values_list("pk", "confirmed_at")),
        list(SelfReport.objects.order_by("pk").values_list("pk", "confirmed_at")),
        list(DevelopmentPlan.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(CareerReview.objects.order_by("pk").values_list("pk")),
        list(ImprovementAction.objects.order_by("pk").values_list("pk", "title", "status", "updated_at")),
        list(ActionCheck.objects.order_by("pk").values_list("pk")),
    )


def on(name: str, what: str):
    return lambda w, t: reverse(name, args=[getattr(w, what)[t or "in"].pk])


def today(w) -> str:
    return w.today.isoformat()


def observation_data(w, t):
    return {"person": w.person(t).pk, "course": w.course.pk, "observed_on": today(w), "skills": "会前发议程",
            "rating": "not_yet", "feedback": "下周开始试行"}


def case_data(w, t):
    return {"course": w.course.pk, "title": "周会提前发议程", "applied_on": today(w), "situation": "周会超时",
            "effect": "按时结束", "result": ""}


def plan_data(w, t):
    year = w.today.year + 5
    return {"start_year": year, "end_year": year + 1, "aspiration": "", "short_goals": "考取中级证书",
            "long_goals": "", "submit": "on", "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "30", "actions-0-text": "报名考试",
            "actions-0-due_on": f"{year}-06-30", "actions-0-status": "todo"}


def action_data(w, t):
    return {"title": "统一纪要模板", "description": "", "source": "other", "source_ref": "",
            "org_unit": w.unit(t).pk, "responsible": "", "deadline": (w.today + dt.timedelta(days=30)).isoformat(),
            "expected_effect": "纪要按时率 95%"}


def api_on(what: str, suffix: str = "", base: str = ""):
    return lambda w, t: f"{API}/growth/{base or what.replace('_', '-')}/{getattr(w, what)[t].pk}{suffix}"


def api_plan_data(w, t):
    year = w.today.year + 5
    return {"start_year": year, "end_year": year + 1, "short_goals": ["考取中级证书"], "submit": True,
            "actions": [{"text": "报名考试", "due_on": f"{year}-06-30"}], "course_ids": [w.course.pk]}


CASES: list[Case] = [
    # ---- behaviour observations
    Case("growth:my_feedback", "get", SIGNED_IN, page("growth:my_feedback")),
    Case("growth:observation_ack", "post", LEARN,
         lambda w, t: reverse("growth:observation_ack", args=[w.own_observation()]), target="own", ok=302,
         writes=True, label=" (one's own)"),
    Case("growth:observations", "get", FOLLOW_UP, page("growth:observations")),
    Case("growth:observation_create", "get", FOLLOW_UP, page("growth:observation_create")),
    *scoped(url_name="growth:observation_create", method="post", need=FOLLOW_UP,
            url=page("growth:observation_create"), data=observation_data, ok=302, writes=True,
            out_of_scope=FORM_REFUSED),
    api_case("GET /api/v1/growth/observations/mine", "growth_my_observations", SIGNED_IN,
             lambda w, t: f"{API}/growth/observations/mine"),
    *api_scoped("POST /api/v1/growth/observations", "growth_create_observation", FOLLOW_UP,
                lambda w, t: f"{API}/growth/observations",
                data=lambda w, t: {"person_id": w.person(t).pk, "course_id": w.course.pk, "observed_on": today(w),
                                   "skills": ["会前发议程"], "rating": "sometimes", "feedback": "继续"},
                ok=201, writes=True),
    # ---- the application archive
    Case("growth:my_cases", "get", SIGNED_IN, page("growth:my_cases")),
    Case("growth:case_create", "get", LEARN, page("growth:case_create")),
    Case("growth:case_create", "post", LEARN, page("growth:case_create"), data=case_data, ok=302, writes=True),
    *scoped(url_name="growth:case", method="get", need=FOLLOW_UP, url=on("growth:case", "cases")),
    *scoped(url_name="growth:case_file", method="get", need=FOLLOW_UP, url=on("growth:case_file", "cases")),
    *scoped(url_name="growth:case_confirm", method="post", need=FOLLOW_UP, url=on("growth:case_confirm", "cases"),
            data=lambda w, t: {"comment": "很好"}, ok=302, writes=True),
    Case("growth:my_reports", "get", SIGNED_IN, page("growth:my_reports")),
    Case("growth:report_create", "get", LEARN, page("growth:report_create")),
    Case("growth:report_create", "post", LEARN, page("growth:report_create"),
         data=lambda w, t: {"period": "quarter", "day": today(w), "achievements": "应用了三次", "difficulties": ""},
         ok=302, writes=True),
    *scoped(url_name="growth:report_confirm", method="post", need=FOLLOW_UP,
            url=on("growth:report_confirm", "reports"), data=lambda w, t: {"comment": "继续"}, ok=302, writes=True),
    Case("growth:archive", "get", FOLLOW_UP, page("growth:archive")),
    api_case("GET /api/v1/growth/cases/mine", "growth_my_cases", SIGNED_IN, lambda w, t: f"{API}/growth/cases/mine"),
    api_case("POST /api/v1/growth/cases", "growth_create_case", LEARN, lambda w, t: f"{API}/growth/cases",
             data=lambda w, t: {"course_id": w.course.pk, "title": "接口评审", "situation": "争论", "effect": "一致",
                                "applied_on": today(w), "file": factories.text_file("API 证据")},
             ok=201, writes=True),
    # ---- development plans
    Case("growth:my_plan", "get", SIGNED_IN, page("growth:my_plan")),
    Case("growth:plan_edit", "get", LEARN, page("growth:plan_edit")),
    Case("growth:plan_edit", "post", LEARN, page("growth:plan_edit"), data=plan_data, ok=302, writes=True),
    Case("growth:plans", "get", FOLLOW_UP, page("growth:plans")),
    *scoped(url_name="growth:plan", method="get", need=FOLLOW_UP, url=on("growth:plan", "submitted")),
    *scoped(url_name="growth:plan_decide", method="post", need=FOLLOW_UP, url=on("growth:plan_decide", "submitted"),
            data=lambda w, t: {"decision": "agree", "note": ""}, ok=302, writes=True),
    *scoped(url_name="growth:plan_review", method="get", need=FOLLOW_UP, url=on("growth:plan_review", "agreed")),
    *scoped(url_name="growth:plan_review", method="post", need=FOLLOW_UP, url=on("growth:plan_review", "agreed"),
            data=lambda w, t: {"year": w.today.year, "assessment": "进步明显", "next_steps": "带新人"},
            ok=302, writes=True),
    # ---- improvement actions
    Case("growth:actions", "get", MANAGE_TRACKING, page("growth:actions")),
    Case("growth:action_create", "get", MANAGE_TRACKING, page("growth:action_create")),
    *scoped(url_name="growth:action_create", method="post", need=MANAGE_TRACKING, url=page("growth:action_create"),
            data=action_data, ok=302, writes=True, out_of_scope=FORM_REFUSED),
    *scoped(url_name="growth:action", method="get", need=MANAGE_TRACKING, url=on("growth:action", "actions")),
    *scoped(url_name="growth:action_edit", method="get", need=MANAGE_TRACKING,
            url=on("growth:action_edit", "actions")),
    *scoped(url_name="growth:action_edit", method="post", need=MANAGE_TRACKING,
            url=on("growth:action_edit", "actions"), data=action_data, ok=302, writes=True),
    *scoped(url_name="growth:action_status", method="post", need=MANAGE_TRACKING,
            url=on("growth:action_status", "actions"), data=lambda w, t: {"status": "in_progress"}, ok=302,
            writes=True),
    *scoped(url_name="growth:action_check", method="post", need=MANAGE_TRACKING,
            url=on("growth:action_check", "actions"),
            data=lambda w, t: {"checked_on": today(w), "result": "已落实", "effective": "true"}, ok=302,
            writes=True),
    api_case("GET /api/v1/growth/actions", "growth_list_actions", MANAGE_TRACKING,
             lambda w, t: f"{API}/growth/actions"),
    *api_scoped("POST /api/v1/growth/actions", "growth_create_action", MANAGE_TRACKING,
                lambda w, t: f"{API}/growth/actions",
                data=lambda w, t: {"title": "统一纪要模板", "source": "other", "org_unit_id": w.unit(t).pk,
                                   "deadline": today(w), "expected_effect": "纪要按时率 95%"},
                ok=201, writes=True),
    *api_scoped("POST /api/v1/growth/actions/{action_id}/status", "growth_set_action_status", MANAGE_TRACKING,
                lambda w, t: f"{API}/growth/actions/{w.actions[t].pk}/status",
                data=lambda w, t: {"status": "in_progress"}, writes=True),
    # ---- API: acknowledging and confirming (api_manage.py)
    api_case("POST /api/v1/growth/observations/{observation_id}/acknowledge", "growth_acknowledge_observation", LEARN,
             lambda w, t: f"{API}/growth/observations/{w.own_observation()}/acknowledge", target="own",
             writes=True, label=" (one's own)"),
    api_case("GET /api/v1/growth/followed/observations", "growth_list_observations", FOLLOW_UP,
             lambda w, t: f"{API}/growth/followed/observations"),
    api_case("GET /api/v1/growth/followed/cases", "growth_list_cases", FOLLOW_UP,
             lambda w, t: f"{API}/growth/followed/cases?pending=true"),
    *api_scoped("GET /api/v1/growth/cases/{application_case_id}", "growth_get_case", FOLLOW_UP,
                api_on("cases")),
    *api_scoped("POST /api/v1/growth/cases/{application_case_id}/confirm", "growth_confirm_case", FOLLOW_UP,
                api_on("cases", "/confirm"), data=lambda w, t: {"comment": "很好"}, writes=True),
    api_case("GET /api/v1/growth/reports/mine", "growth_my_reports", SIGNED_IN,
             lambda w, t: f"{API}/growth/reports/mine"),
    api_case("POST /api/v1/growth/reports", "growth_create_report", LEARN, lambda w, t: f"{API}/growth/reports",
             data=lambda w, t: {"period": "quarter", "day": today(w), "achievements": "应用了三次"},
             ok=201, writes=True),
    api_case("GET /api/v1/growth/followed/reports", "growth_list_reports", FOLLOW_UP,
             lambda w, t: f"{API}/growth/followed/reports"),
    *api_scoped("POST /api/v1/growth/reports/{self_report_id}/confirm", "growth_confirm_report", FOLLOW_UP,
                api_on("reports", "/confirm"), data=lambda w, t: {"comment": "继续"}, writes=True),
    # ---- API: development plans
    api_case("GET /api/v1/growth/development-plans/mine", "growth_my_development_plans", SIGNED_IN,
             lambda w, t: f"{API}/growth/development-plans/mine"),
    api_case("POST /api/v1/growth/development-plans", "growth_create_development_plan", LEARN,
             lambda w, t: f"{API}/growth/development-plans", data=api_plan_data, ok=201, writes=True),
    api_case("PUT /api/v1/growth/development-plans/{development_plan_id}", "growth_update_development_plan", LEARN,
             lambda w, t: f"{API}/growth/development-plans/{w.own_plan()}", target="own",
             data=lambda w, t: {"start_year": w.today.year + 10, "end_year": w.today.year + 12,
                                "short_goals": ["学英语", "考雅思"], "submit": True},
             writes=True, label=" (one's own)"),
    api_case("GET /api/v1/growth/followed/development-plans", "growth_list_development_plans", FOLLOW_UP,
             lambda w, t: f"{API}/growth/followed/development-plans?status=submitted"),
    *api_scoped("GET /api/v1/growth/development-plans/{development_plan_id}", "growth_get_development_plan",
                FOLLOW_UP, api_on("submitted", base="development-plans")),
    *api_scoped("POST /api/v1/growth/development-plans/{development_plan_id}/decision",
                "growth_decide_development_plan", FOLLOW_UP, api_on("submitted", "/decision", "development-plans"),
                data=lambda w, t: {"decision": "agree"}, writes=True),
    *api_scoped("POST /api/v1/growth/development-plans/{development_plan_id}/reviews",
                "growth_review_development_plan", FOLLOW_UP, api_on("agreed", "/reviews", "development-plans"),
                data=lambda w, t: {"year": w.today.year, "achieved": ["已独立负责"], "assessment": "进步明显",
                                   "next_steps": "带新人"}, ok=201, writes=True),
    # ---- API: improvement actions
    *api_scoped("GET /api/v1/growth/actions/{action_id}", "growth_get_action", MANAGE_TRACKING, api_on("actions")),
    *api_scoped("PUT /api/v1/growth/actions/{action_id}", "growth_update_action", MANAGE_TRACKING,
                api_on("actions"),
                data=lambda w, t: {"title": "统一纪要模板", "source": "other", "org_unit_id": w.unit(t).pk,
                                   "deadline": (w.today + dt.timedelta(days=30)).isoformat(),
                                   "expected_effect": "纪要按时率 95%"}, writes=True),
    *api_scoped("GET /api/v1/growth/actions/{action_id}/checks", "growth_list_action_checks", MANAGE_TRACKING,
                api_on("actions", "/checks")),
    *api_scoped("POST /api/v1/growth/actions/{action_id}/checks", "growth_add_action_check", MANAGE_TRACKING,
                api_on("actions", "/checks"),
                data=lambda w, t: {"checked_on": today(w), "result": "已落实", "effective": True}, ok=201,
                writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_application_and_growth(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, growth_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_growth_app_has_a_row():
    names = {f"growth:{pattern.name}" for pattern in growth_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") in (["growth"], ["growth management"])}
    assert ours == {case.api_op for case in CASES if case.api_op}
