"""Department KPIs (部门跟踪考核指标) on the hand-built 2025 of factories.Example, seen on 2026-01-15."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jifen.org import services as org_services
from jifen.org.models import OrgUnit
from jifen.org.permissions import access_for_user
from jifen.tracking.growth import services as growth
from jifen.tracking.supervision import selectors
from jifen.tracking.supervision.tests.factories import TODAY, YEAR, plan_for

pytestmark = pytest.mark.django_db


def kpis_for(user, unit_id=None):
    area = selectors.area_for(access_for_user(user), unit_id)
    return selectors.department_kpis(area, YEAR, TODAY)


def by_name(rows):
    return {row.label: row for row in rows}


def test_a_manager_sees_the_departments_of_their_unit_each_with_its_own_figures(example):
    rows, total = kpis_for(example.manager.user)
    assert [row.label for row in rows] == ["平台组", "应用组"]
    platform, apps = by_name(rows)["平台组"], by_name(rows)["应用组"]

    # plans made on time: 平台组's plan the day after the training, 应用组's 10 days after its due date
    assert (platform.plans, platform.plans_on_time, platform.plans_on_time_percent) == (1, 1, 100)
    assert (apps.plans, apps.plans_on_time, apps.plans_on_time_percent) == (1, 0, 0)
    # plan task completion: 3 of 平台组's 4 tasks done; 应用组's cancelled task does not count
    assert (platform.plan_tasks_done, platform.plan_tasks_due, platform.plan_tasks_percent) == (3, 4, 75)
    assert (apps.plan_tasks_done, apps.plan_tasks_due, apps.plan_tasks_percent) == (1, 1, 100)
    # feedback on time: 学员乙 was 3 days late; the manager's one feedback was on its due date
    assert (platform.feedback_on_time, platform.feedback_done, platform.timeliness_percent) == (2, 3, 67)
    assert (platform.manager_on_time, platform.manager_done, platform.manager_timeliness_percent) == (1, 1, 100)
    assert apps.manager_timeliness_percent is None  # 应用经理 had nothing done: nothing to count
    # feedback complete: of 4 tasks past their due date, 3 were done
    assert (platform.feedback_past_due_done, platform.feedback_past_due, platform.completeness_percent) == (3, 4, 75)
    # improvement actions: one done, one overdue; 2026's action is another year; a cancelled one never counts
    assert (platform.actions_finished, platform.actions_due, platform.actions_percent) == (1, 2, 50)
    assert platform.actions_overdue == 1
    assert (apps.actions_due, apps.actions_percent, apps.actions_overdue) == (0, None, 0)

    assert (total.plans, total.plans_on_time_percent, total.plan_tasks_percent) == (2, 50, 80)
    assert (total.timeliness_percent, total.completeness_percent, total.actions_percent) == (75, 80, 50)


def test_an_hr_auditor_sees_every_department_of_the_organisation(example):
    rows, total = kpis_for(example.auditor.user)
    assert [row.label for row in rows] == ["研发中心", "市场部"]
    rnd, marketing = by_name(rows)["研发中心"], by_name(rows)["市场部"]
    _rows, manager_total = kpis_for(example.manager.user)
    assert rnd.as_dict() | {"name": "", "unit_id": None} == manager_total.as_dict() | {"name": "", "unit_id": None}
    assert (marketing.plans_on_time_percent, marketing.plan_tasks_percent) == (100, 0)
    assert (marketing.completeness_percent, marketing.timeliness_percent) == (0, None)
    assert (marketing.actions_percent, marketing.actions_overdue) == (0, 1)
    assert total.plans == 3 and total.actions_overdue == 2


def test_a_chosen_unit_shows_its_own_departments(example):
    rows, _total = kpis_for(example.auditor.user, example.rnd.pk)
    assert [row.label for row in rows] == ["平台组", "应用组"]


def test_a_unit_outside_the_scope_is_not_found(example, client):
    assert selectors.area_for(access_for_user(example.manager.user), example.marketing.pk) is None
    client.force_login(example.manager.user)
    assert client.get(reverse("supervision:kpis"), {"unit": example.marketing.pk}).status_code == 404
    assert client.get("/api/v1/tracking/kpis", {"unit": example.marketing.pk}).status_code == 404


def test_out_of_scope_departments_never_appear_on_the_page_the_api_or_the_download(example, client):
    client.force_login(example.manager.user)
    page = client.get(reverse("supervision:kpis"), {"year": YEAR}).content.decode()
    assert "平台组" in page and "应用组" in page
    assert "市场部" not in page
    body = client.get("/api/v1/tracking/kpis", {"year": YEAR}).json()
    assert [row["name"] for row in body["departments"]] == ["平台组", "应用组"]
    assert body["unit"]["name"] == "研发中心"
    workbook = load_workbook(filename=io.BytesIO(
        client.get(reverse("supervision:kpis_xlsx"), {"year": YEAR}).content))
    names = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names[:2] == ["平台组", "应用组"] and "市场部" not in names


def test_the_api_gives_the_same_figures_as_the_page(example, client):
    client.force_login(example.auditor.user)
    body = client.get("/api/v1/tracking/kpis", {"year": YEAR, "unit": example.rnd.pk}).json()
    rows, total = kpis_for(example.auditor.user, example.rnd.pk)
    assert body["departments"] == [row.as_dict() for row in rows]
    assert body["total"] == total.as_dict()
    assert len(body["definitions"]) == 5


def test_the_page_explains_each_kpi_and_draws_a_chart(example, client):
    client.force_login(example.admin.user)
    page = client.get(reverse("supervision:kpis"), {"year": YEAR}).content.decode()
    assert 'data-chart="kpi-chart"' in page and 'id="kpi-chart"' in page
    for name, text in selectors.kpi_definitions():
        assert str(name) in page
        assert str(text).split("“")[0][:30] in page


def test_rows_directly_on_the_chosen_unit_are_shown_apart(example):
    growth.action_create(created_by=example.admin.user, units=None, title="中心级措施", source="other",
                         org_unit=example.rnd, deadline=dt.date(YEAR, 3, 1), expected_effect="x")
    rows, total = kpis_for(example.manager.user)
    assert rows[0].unit == example.rnd and rows[0].actions_overdue == 1
    assert total.actions_overdue == 2


def _more_departments(example, count: int) -> None:
    for n in range(count):
        unit = org_services.unit_create(name=f"新部门{n}", parent=example.rnd, kind=OrgUnit.Kind.TEAM)
        learner = example.org.person(unit=unit, name=f"新学员{n}", manager=example.manager)
        plan_for(example.template, unit, [learner], ends_on=dt.date(YEAR, 6, 2 + n), title=f"新课{n}")
        growth.action_create(created_by=example.admin.user, units=None, title=f"新措施{n}", source="other",
                             org_unit=unit, deadline=dt.date(YEAR, 10, 1), expected_effect="x")


def test_the_kpis_take_the_same_number_of_queries_for_more_departments_and_plans(example, client):
    area = selectors.area_for(access_for_user(example.auditor.user), example.rnd.pk)
    with CaptureQueriesContext(connection) as small:
        rows, _total = selectors.department_kpis(area, YEAR, TODAY)
    client.force_login(example.auditor.user)
    with CaptureQueriesContext(connection) as small_api:
        client.get("/api/v1/tracking/kpis", {"year": YEAR, "unit": example.rnd.pk})
    assert len(rows) == 2

    _more_departments(example, 4)
    area = selectors.area_for(access_for_user(example.auditor.user), example.rnd.pk)
    with CaptureQueriesContext(connection) as large:
        rows, _total = selectors.department_kpis(area, YEAR, TODAY)
    with CaptureQueriesContext(connection) as large_api:
        client.get("/api/v1/tracking/kpis", {"year": YEAR, "unit": example.rnd.pk})
    assert len(rows) == 6 and sum(row.plans for row in rows) == 6
    assert len(large) == len(small) == 4  # plans, plan tasks, feedback tasks, actions
    assert len(large_api) == len(small_api)
