"""Who may open what in follow-up: every role against every page and API operation, inside
(研发中心 / 郑雨桐) and outside (市场部 / 钱多多) the scope.

Every user with a person record is a learner of the 研发中心 session, whose plan gives each of them a
survey task, so each can answer their own."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.api.api import api
from jifen.catalog.models import Enrolment
from jifen.org.tests.test_permission_matrix import (
    API,
    FORM_REFUSED,
    LEARN,
    MANAGE_TRACKING,
    ROLES,
    SEE_TRACKING,
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
from jifen.rules.models import Event
from jifen.tracking.followup import services
from jifen.tracking.followup import urls as followup_urls
from jifen.tracking.followup.models import (
    ActivityKind,
    AnonymousResponse,
    Plan,
    PlanTemplate,
    SurveyReceipt,
    Task,
    TemplateActivity,
    TestResult,
)
from jifen.tracking.followup.tests import factories
from jifen.tracking.instruments import services as instruments
from jifen.tracking.instruments.models import Form, FormVersion, Question, QuestionKind, Response
from jifen.tracking.reports.models import PlanReport


class FollowupWorld(World):
    def __init__(self):
        super().__init__()
        trainer = self.users["trainer"].person
        self.sessions = {
            "in": factories.session(unit=self.platform, trainer=trainer, learners=[self.in_person],
                                    ends_on=dt.date(2026, 3, 6)),
            "out": factories.session(unit=self.marketing, trainer=trainer, learners=[self.out_person],
                                     ends_on=dt.date(2026, 3, 6)),
        }
        for user in self.users.values():
            if user is not None and hasattr(user, "person"):
                Enrolment.objects.get_or_create(session=self.sessions["in"], person=user.person)
        self.new_sessions = {
            "in": factories.session(unit=self.platform, learners=[self.in_person], ends_on=dt.date(2026, 4, 3)),
            "out": factories.session(unit=self.marketing, learners=[self.out_person], ends_on=dt.date(2026, 4, 3)),
        }
        self.template = services.default_template()
        self.plans = {t: services.plan_create(template=self.template, session=s) for t, s in self.sessions.items()}
        spare = services.template_create(name="备用模板")
        self.spare_activity = services.activity_add(template=spare, kind=ActivityKind.CUSTOM, offset=1,
                                                    audiences=["learner"])
        for target in ("in", "out"):
            services.test_result_record(plan=self.plans[target], person=self.person(target), score=85)
        self.form = instruments.form_create(name="课堂反馈")
        for text in ("收获", "建议"):
            instruments.question_add(form=self.form, kind=QuestionKind.TEXT, text=text)

    def own_task(self) -> int:
        user = self.users.get(self.acting or "")
        person = getattr(user, "person", None) if user is not None else None
        if person is None:
            return 999_999
        return Task.objects.get(plan=self.plans["in"], kind=ActivityKind.SURVEY, assignee=person).pk

    def own_person(self) -> int:
        user = self.users.get(self.acting or "")
        person = getattr(user, "person", None) if user is not None else None
        return person.pk if person is not None else 999_999

    def survey_answers(self) -> dict:
        version = self.template.activities.get(kind=ActivityKind.SURVEY).form.current_version()
        return {f"q{q.pk}": ("多一些案例" if q.kind == "text" else "5") for q in version.questions.all()}


@pytest.fixture
def world(db) -> FollowupWorld:
    return FollowupWorld()


def tracking_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(Plan.objects.order_by("pk").values_list("pk", "name", "status")),
        list(Task.objects.order_by("pk").values_list("pk", "status")),
        list(TestResult.objects.order_by("pk").values_list("pk", "score", "grade")),
        list(PlanTemplate.objects.order_by("pk").values_list("pk", "name", "manager_weight", "pass_from")),
        list(TemplateActivity.objects.order_by("pk").values_list("pk", "kind", "offset")),
        list(Form.objects.order_by("pk").values_list("pk", "name")),
        list(FormVersion.objects.order_by("pk").values_list("pk", "number")),
        list(Question.objects.order_by("pk").values_list("pk", "position", "text")),
        Response.objects.count(), AnonymousResponse.objects.count(), SurveyReceipt.objects.count(),
        list(Event.objects.order_by("pk").values_list("key", flat=True)),
        list(PlanReport.objects.order_by("pk").values_list("pk", "conclusion", "cost")),
    )


def on_plan(name: str):
    return lambda w, t: reverse(name, args=[w.plans[t or "in"].pk])


def own_task_page(w, t):
    return reverse("followup:task", args=[w.own_task()])


def on_api_plan(suffix: str = ""):
    return lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}{suffix}"


def on_api_template(suffix: str = ""):
    return lambda w, t: f"{API}/tracking/templates/{w.template.pk}{suffix}"


def template_data(w, t):
    return {"name": "标准跟踪（改）", "description": "", "plan_due_working_days": "5", "manager_weight": "50",
            "peers_weight": "30", "self_weight": "20", "excellent_from": "90", "good_from": "80", "pass_from": "60"}


CASES: list[Case] = [
    # ---- my tasks
    Case("followup:tasks", "get", SIGNED_IN, page("followup:tasks")),
    Case("followup:task", "get", LEARN, own_task_page),
    Case("followup:task", "post", LEARN, own_task_page, data=lambda w, t: w.survey_answers(), ok=302, writes=True),
    api_case("GET /api/v1/tracking/tasks", "list_tasks", SIGNED_IN, lambda w, t: f"{API}/tracking/tasks"),
    api_case("POST /api/v1/tracking/tasks/{task_id}/responses", "answer_task", LEARN,
             lambda w, t: f"{API}/tracking/tasks/{w.own_task()}/responses",
             data=lambda w, t: {"answers": {k.removeprefix("q"): int(v) if v.isdigit() else v
                                            for k, v in w.survey_answers().items()}}, ok=201, writes=True),
    # ---- a person's follow-up record
    *scoped(url_name="followup:record", method="get", need=SEE_TRACKING,
            url=lambda w, t: reverse("followup:record", args=[w.person(t).pk])),
    Case("followup:results", "get", SEE_TRACKING, page("followup:results")),
    # ---- plans
    Case("followup:plans", "get", MANAGE_TRACKING, page("followup:plans")),
    Case("followup:plan_create", "get", MANAGE_TRACKING, page("followup:plan_create")),
    *scoped(url_name="followup:plan_create", method="post", need=MANAGE_TRACKING, url=page("followup:plan_create"),
            data=lambda w, t: {"session": w.new_sessions[t].pk, "template": w.template.pk, "name": ""},
            ok=302, writes=True, out_of_scope=FORM_REFUSED),
    Case("followup:programme_plan_create", "get", MANAGE_TRACKING, page("followup:programme_plan_create")),
    *scoped(url_name="followup:programme_plan_create", method="post", need=MANAGE_TRACKING,
            url=page("followup:programme_plan_create"),
            data=lambda w, t: {"name": "新员工训练营", "sessions": [w.new_sessions[t].pk, w.sessions[t].pk],
                               "template": w.template.pk}, ok=302, writes=True, out_of_scope=FORM_REFUSED),
    *scoped(url_name="followup:plan", method="get", need=MANAGE_TRACKING, url=on_plan("followup:plan")),
    *scoped(url_name="followup:test_result", method="post", need=MANAGE_TRACKING,
            url=on_plan("followup:test_result"),
            data=lambda w, t: {"result-person": w.person(t).pk, "result-score": "88", "result-pre_score": "",
                               "result-taken_on": "2026-03-20"}, ok=302, writes=True),
    # ---- test results from a spreadsheet (test_import.py tests what an import does; here: who may)
    *scoped(url_name="followup:test_import", method="get", need=MANAGE_TRACKING, url=on_plan("followup:test_import")),
    *scoped(url_name="followup:test_import", method="post", need=MANAGE_TRACKING, url=on_plan("followup:test_import"),
            data=lambda w, t: {"file": SimpleUploadedFile("成绩.csv", f"工号,成绩\n{w.person(t).employee_no},88\n".encode(),
                                                          content_type="text/csv"), "check_only": "on"},
            label=" (dry run)"),
    *scoped(url_name="followup:test_import", method="post", need=MANAGE_TRACKING, url=on_plan("followup:test_import"),
            data=lambda w, t: {"file": SimpleUploadedFile("成绩.csv", f"工号,成绩\n{w.person(t).employee_no},88\n".encode(),
                                                          content_type="text/csv")}, ok=302, writes=True),
    *scoped(url_name="followup:test_import_template", method="get", need=MANAGE_TRACKING,
            url=on_plan("followup:test_import_template")),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/test-results/import", "import_test_results", MANAGE_TRACKING,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/test-results/import",
                data=lambda w, t: {"file": SimpleUploadedFile("成绩.csv", f"工号,成绩\n{w.person(t).employee_no},88\n"
                                                              .encode(), content_type="text/csv")}, label=" (dry run)"),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/test-results/import", "import_test_results", MANAGE_TRACKING,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/test-results/import?dry_run=false",
                data=lambda w, t: {"file": SimpleUploadedFile("成绩.csv", f"工号,成绩\n{w.person(t).employee_no},88\n"
                                                              .encode(), content_type="text/csv")}, writes=True),
    *scoped(url_name="followup:peer_add", method="post", need=MANAGE_TRACKING, url=on_plan("followup:peer_add"),
            data=lambda w, t: {"peer-subject": w.person(t).pk, "peer-peer": w.users["hr_auditor"].person.pk},
            ok=302, writes=True),
    *scoped(url_name="followup:plan_close", method="post", need=MANAGE_TRACKING, url=on_plan("followup:plan_close"),
            ok=302, writes=True),
    *api_scoped("GET /api/v1/tracking/plans/{plan_id}/survey-results", "survey_results", MANAGE_TRACKING,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/survey-results"),
    # ---- templates
    Case("followup:templates", "get", MANAGE_TRACKING, page("followup:templates")),
    Case("followup:template_create", "get", MANAGE_TRACKING, page("followup:template_create")),
    Case("followup:template_create", "post", MANAGE_TRACKING, page("followup:template_create"), data=template_data,
         ok=302, writes=True),
    Case("followup:template", "get", MANAGE_TRACKING, lambda w, t: reverse("followup:template", args=[w.template.pk])),
    Case("followup:template", "post", MANAGE_TRACKING,
         lambda w, t: reverse("followup:template", args=[w.template.pk]), data=template_data, ok=302, writes=True),
    Case("followup:activity_add", "post", MANAGE_TRACKING,
         lambda w, t: reverse("followup:activity_add", args=[w.template.pk]),
         data=lambda w, t: {"activity-kind": "custom", "activity-title": "复盘会", "activity-offset": "2",
                            "activity-offset_unit": "weeks", "activity-repeat": "1",
                            "activity-audiences": ["learner"]}, ok=302, writes=True),
    Case("followup:activity_remove", "post", MANAGE_TRACKING,
         lambda w, t: reverse("followup:activity_remove", args=[w.spare_activity.pk]), ok=302, writes=True),
    # ---- API: plans (api_manage.py)
    api_case("GET /api/v1/tracking/plans", "followup_list_plans", MANAGE_TRACKING, lambda w, t: f"{API}/tracking/plans"),
    *api_scoped("GET /api/v1/tracking/plans/{plan_id}", "followup_get_plan", MANAGE_TRACKING, on_api_plan()),
    *api_scoped("POST /api/v1/tracking/plans", "followup_create_plan", MANAGE_TRACKING,
                lambda w, t: f"{API}/tracking/plans",
                data=lambda w, t: {"session_id": w.new_sessions[t].pk, "template_id": w.template.pk},
                ok=201, writes=True),
    *api_scoped("POST /api/v1/tracking/programme-plans", "followup_create_programme_plan", MANAGE_TRACKING,
                lambda w, t: f"{API}/tracking/programme-plans",
                data=lambda w, t: {"name": "新员工训练营", "session_ids": [w.new_sessions[t].pk, w.sessions[t].pk]},
                ok=201, writes=True),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/close", "followup_close_plan", MANAGE_TRACKING,
                on_api_plan("/close"), writes=True),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/peers", "followup_add_peer", MANAGE_TRACKING,
                on_api_plan("/peers"),
                data=lambda w, t: {"subject_id": w.person(t).pk, "peer_id": w.users["hr_auditor"].person.pk},
                ok=201, writes=True),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/test-results", "followup_record_test_result",
                MANAGE_TRACKING, on_api_plan("/test-results"),
                data=lambda w, t: {"person_id": w.person(t).pk, "score": "88.5", "taken_on": "2026-03-20"},
                ok=201, writes=True),
    *api_scoped("GET /api/v1/tracking/plans/{plan_id}/report-settings", "followup_get_report_settings",
                MANAGE_TRACKING, on_api_plan("/report-settings")),
    *api_scoped("PATCH /api/v1/tracking/plans/{plan_id}/report-settings", "followup_update_report_settings",
                MANAGE_TRACKING, on_api_plan("/report-settings"),
                data=lambda w, t: {"conclusion": "达到预期", "cost": "12000"}, writes=True),
    # ---- API: results and a person's record
    api_case("GET /api/v1/tracking/test-results", "followup_list_test_results", SEE_TRACKING,
             lambda w, t: f"{API}/tracking/test-results"),
    *api_scoped("GET /api/v1/tracking/people/{person_id}/record", "followup_person_record", SEE_TRACKING,
                lambda w, t: f"{API}/tracking/people/{w.person(t).pk}/record"),
    api_case("GET /api/v1/tracking/people/{person_id}/record", "followup_person_record", SIGNED_IN,
             lambda w, t: f"{API}/tracking/people/{w.own_person()}/record", target="own",
             overrides=(("system_admin", 404),), label=" (one's own)"),
    # ---- API: templates (configuration: admin scope)
    api_case("GET /api/v1/tracking/templates", "followup_list_templates", MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/templates"),
    api_case("GET /api/v1/tracking/templates/{template_id}", "followup_get_template", MANAGE_TRACKING,
             on_api_template()),
    api_case("POST /api/v1/tracking/templates", "followup_create_template", MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/templates", data=lambda w, t: {"name": "管理者跟踪"}, ok=201, writes=True),
    api_case("PATCH /api/v1/tracking/templates/{template_id}", "followup_update_template", MANAGE_TRACKING,
             on_api_template(), data=lambda w, t: {"name": "标准跟踪（改）", "pass_from": "65"}, writes=True),
    api_case("POST /api/v1/tracking/templates/{template_id}/activities", "followup_add_activity", MANAGE_TRACKING,
             on_api_template("/activities"),
             data=lambda w, t: {"kind": "custom", "title": "复盘会", "offset": 2, "audiences": ["learner"]},
             ok=201, writes=True),
    api_case("DELETE /api/v1/tracking/templates/{template_id}/activities/{activity_id}", "followup_remove_activity",
             MANAGE_TRACKING,
             lambda w, t: f"{API}/tracking/templates/{w.spare_activity.template_id}/activities/{w.spare_activity.pk}",
             writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_follow_up(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, tracking_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_followup_app_has_a_row():
    names = {f"followup:{pattern.name}" for pattern in followup_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") in (["followup"], ["follow-up management"])}
    assert ours == {case.api_op for case in CASES if case.api_op}
