"""A manager opens their team's dashboard: who is at target, who lags and by how much, what they have to
evaluate, and how their departments rank."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from jifen.org import services as org_services
from jifen.org.models import OrgUnit, Role
from jifen.reports.dashboards.tests.factories import credits, points
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import Task, TaskStatus
from jifen.tracking.followup.tests import factories


def build(org):
    """研发中心 with 平台组 and 应用组; a manager over 研发中心; 市场部 outside."""
    apps = org_services.unit_create(name="应用组", parent=org.rnd, kind=OrgUnit.Kind.TEAM)
    manager = org.person(unit=org.rnd, name="陈经理", role=Role.MANAGER, scope=org.rnd)  # 0 of 150
    done = org.person(unit=org.platform, name="达标者", manager=manager)
    behind = org.person(unit=org.platform, name="落后者", manager=manager)
    year = timezone.localdate().year
    newcomer = org.person(unit=apps, name="新同事", manager=manager, hire_date=dt.date(year, 7, 1))  # target 75
    outsider = org.person(unit=org.marketing, name="钱多多")
    credits(done, 150)
    credits(behind, 100)
    credits(newcomer, 30)
    credits(outsider, 5)
    points(done, 10)
    points(behind, 20)
    points(newcomer, 50)
    points(outsider, 999)
    return manager, done, behind, newcomer, apps


def test_the_manager_sees_one_in_four_at_target_and_who_lags_most_first(client, org):
    manager, *_rest = build(org)
    client.force_login(manager.user)
    api = client.get("/api/v1/dashboards/team").json()
    assert (api["people"], api["at_target"], Decimal(api["percent"])) == (4, 1, 25)
    assert [(row["name"], Decimal(row["missing"])) for row in api["lagging"]] == [
        ("陈经理", 150), ("落后者", 50), ("新同事", 45)]
    body = client.get(reverse("dashboards:team")).content.decode()
    assert "落后者" in body and "新同事" in body and "钱多多" not in body


def test_departments_rank_by_points_earned_this_year_inside_the_managers_scope(client, org):
    manager, *_rest = build(org)
    client.force_login(manager.user)
    ranking = client.get("/api/v1/dashboards/team").json()["ranking"]
    # the manager sits on 研发中心 itself: a row of their own, so every head counts in some department
    assert [(row["name"], row["people"], Decimal(row["points"])) for row in ranking] == [
        ("应用组", 1, 50), ("平台组", 2, 30), ("研发中心（直属）", 1, 0)]
    body = client.get(reverse("dashboards:team")).content.decode()
    assert "市场部" not in body and 'data-chart="unit-ranking"' in body


def test_evaluations_due_are_the_managers_open_follow_up_tasks(client, org):
    manager, done, behind, _newcomer, _apps = build(org)
    session = factories.session(unit=org.platform, learners=[done, behind])
    plan = followup.plan_create(template=followup.default_template(), session=session)
    mine = Task.objects.filter(plan=plan, assignee=manager, status=TaskStatus.OPEN)
    assert mine.count() > 0
    client.force_login(manager.user)
    api = client.get("/api/v1/dashboards/team").json()
    assert api["tasks_due_count"] == mine.count()
    assert {t["task_id"] for t in api["tasks_due"]} == set(mine.values_list("pk", flat=True))


def test_the_list_of_those_behind_is_paged(client, org):
    manager = org.person(unit=org.rnd, role=Role.MANAGER, scope=org.rnd)
    for _i in range(25):
        org.person(unit=org.platform)
    client.force_login(manager.user)
    first = client.get("/api/v1/dashboards/team").json()
    second = client.get("/api/v1/dashboards/team?page=2").json()
    assert (first["lagging_count"], first["pages"], len(first["lagging"]), len(second["lagging"])) == (26, 2, 20, 6)
    assert not {r["person_id"] for r in first["lagging"]} & {r["person_id"] for r in second["lagging"]}


def test_a_team_where_nobody_is_at_target_reads_zero_percent(client, org):
    manager = org.person(unit=org.rnd, role=Role.MANAGER, scope=org.rnd)
    org.person(unit=org.platform)
    client.force_login(manager.user)
    assert Decimal(client.get("/api/v1/dashboards/team").json()["percent"]) == 0
    body = client.get(reverse("dashboards:team")).content.decode()
    assert "(0.0%)" in body or "（0.0%）" in body
