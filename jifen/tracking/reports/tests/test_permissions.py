"""Who may open what in tracking reports: every role against every page and API operation, inside
(a plan organised by 平台组 for 郑雨桐) and outside (a plan organised by 市场部 for 钱多多) the scope.
Each plan has a business measure of its own department."""

import datetime as dt

import pytest
from django.urls import reverse

from jifen.api.api import api
from jifen.org.tests.test_permission_matrix import (
    API,
    FOLLOW_UP,
    MANAGE_TRACKING,
    ROLES,
    SEE_TRACKING,
    Case,
    World,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    page,
    scoped,
)
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.tests import factories
from jifen.tracking.reports import services
from jifen.tracking.reports import urls as reports_urls
from jifen.tracking.reports.models import BusinessMeasure, PlanReport


class ReportsWorld(World):
    def __init__(self):
        super().__init__()
        template = followup.default_template()
        admin = self.users["system_admin"]
        self.plans, self.measures = {}, {}
        for target in ("in", "out"):
            session = factories.session(unit=self.unit(target), learners=[self.person(target)],
                                        ends_on=dt.date(2026, 3, 6))
            self.plans[target] = followup.plan_create(template=template, session=session)
            self.measures[target] = services.measure_add(
                plan=self.plans[target], org_unit=self.unit(target), units=self.unit(target).__class__.objects.all(),
                name="客户投诉", baseline=12, current=7, higher_is_better=False, actor=admin)


@pytest.fixture
def world(db) -> ReportsWorld:
    return ReportsWorld()


def reports_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(PlanReport.objects.order_by("pk").values_list("pk", "conclusion", "updated_at")),
        list(BusinessMeasure.objects.order_by("pk").values_list("pk", "name", "current")),
    )


def on_plan(name: str):
    return lambda w, t: reverse(name, args=[w.plans[t or "in"].pk])


def settings_data(w, t):
    return {"participation_goal": "20", "satisfaction_goal": "90", "exam_goal": "15", "cost": "10000",
            "benefit": "15000", "conclusion": "整体达标", "baseline_start": "", "baseline_end": "",
            "baseline_participation": "", "baseline_exam_average": "", "benefit_basis": "", "problems": "",
            "suggestions": ""}


def measure_data(w, t):
    return {"org_unit": w.unit(t).pk, "name": "一次解决率", "unit": "%", "higher_is_better": "on",
            "baseline": "80", "current": "88", "baseline_period": "", "current_period": "", "note": ""}


CASES: list[Case] = [
    Case("tracking_reports:index", "get", SEE_TRACKING, page("tracking_reports:index")),
    *scoped(url_name="tracking_reports:report", method="get", need=SEE_TRACKING,
            url=on_plan("tracking_reports:report")),
    *scoped(url_name="tracking_reports:report_pdf", method="get", need=SEE_TRACKING,
            url=on_plan("tracking_reports:report_pdf")),
    *scoped(url_name="tracking_reports:report_xlsx", method="get", need=SEE_TRACKING,
            url=on_plan("tracking_reports:report_xlsx")),
    *scoped(url_name="tracking_reports:settings", method="get", need=MANAGE_TRACKING,
            url=on_plan("tracking_reports:settings")),
    *scoped(url_name="tracking_reports:settings", method="post", need=MANAGE_TRACKING,
            url=on_plan("tracking_reports:settings"), data=settings_data, ok=302, writes=True),
    Case("tracking_reports:measures", "get", FOLLOW_UP, page("tracking_reports:measures")),
    *scoped(url_name="tracking_reports:plan_measures", method="get", need=FOLLOW_UP,
            url=on_plan("tracking_reports:plan_measures")),
    *scoped(url_name="tracking_reports:plan_measures", method="post", need=FOLLOW_UP,
            url=on_plan("tracking_reports:plan_measures"), data=measure_data, ok=302, writes=True),
    *scoped(url_name="tracking_reports:measure_remove", method="post", need=FOLLOW_UP,
            url=lambda w, t: reverse("tracking_reports:measure_remove", args=[w.measures[t].pk]), ok=302,
            writes=True),
    *api_scoped("GET /api/v1/tracking/plans/{plan_id}/report", "plan_report", SEE_TRACKING,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/report"),
    *api_scoped("GET /api/v1/tracking/plans/{plan_id}/measures", "list_measures", FOLLOW_UP,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/measures"),
    *api_scoped("POST /api/v1/tracking/plans/{plan_id}/measures", "add_measure", FOLLOW_UP,
                lambda w, t: f"{API}/tracking/plans/{w.plans[t].pk}/measures",
                data=lambda w, t: {"department_id": w.unit(t).pk, "name": "一次解决率", "baseline": "80",
                                   "current": "88"}, ok=201, writes=True),
    *api_scoped("DELETE /api/v1/tracking/measures/{measure_id}", "remove_measure", FOLLOW_UP,
                lambda w, t: f"{API}/tracking/measures/{w.measures[t].pk}", ok=204, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_tracking_reports(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, reports_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_tracking_reports_has_a_row():
    names = {f"tracking_reports:{pattern.name}" for pattern in reports_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["reports"]}
    assert ours == {case.api_op for case in CASES if case.api_op}
