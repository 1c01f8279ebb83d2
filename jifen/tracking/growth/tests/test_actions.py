import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from jifen.core.errors import ApplicationError
from jifen.org.models import Role
from jifen.org.permissions import Perm, access_for_user
from jifen.tracking.growth import services
from jifen.tracking.growth.models import ActionCheck, ActionStatus, Escalation, ImprovementAction
from jifen.tracking.growth.tests.factories import today

API = "/api/v1/growth"


def _action(team, *, days: int = 10, unit=None, responsible="employee", **extra):
    data = {"created_by": team.admin.user, "units": access_for_user(team.admin.user).units(Perm.TRACKING_MANAGE),
            "title": "沟通课增加跨部门案例演练", "source": "meeting", "source_ref": "跟踪管理沟通会",
            "org_unit": unit or team.org.platform,
            "responsible": getattr(team, responsible) if responsible else None,
            "deadline": today() + dt.timedelta(days=days), "expected_effect": "内容实用性满意度 90%"}
    data.update(extra)
    return services.action_create(**data)


def test_overdue_action_is_escalated_once(team):
    action = _action(team, days=-3)
    first = services.escalate_overdue()
    assert [e.action for e in first] == [action]
    assert services.escalate_overdue() == []
    assert services.escalate_overdue(timezone.now() + dt.timedelta(days=5)) == []
    escalation = Escalation.objects.get()
    assert escalation.deadline == action.deadline and escalation.sent_at is None
    # to the responsible person's manager and the unit's training admins
    assert set(escalation.recipients.all()) == {team.manager.user, team.admin.user}


def test_an_action_on_time_or_closed_is_not_escalated(team):
    _action(team, days=0)
    done = _action(team, days=-5, title="已完成的措施")
    services.action_set_status(action=done, status=ActionStatus.DONE, actor=team.admin.user)
    assert services.escalate_overdue() == []


def test_a_new_deadline_missed_is_escalated_again(team):
    action = _action(team, days=-3)
    services.escalate_overdue()
    units = access_for_user(team.admin.user).units(Perm.TRACKING_MANAGE)
    services.action_update(action=action, units=units, title=action.title, source=action.source,
                           org_unit=action.org_unit, responsible=action.responsible,
                           deadline=today() + dt.timedelta(days=7), expected_effect=action.expected_effect)
    later = timezone.now() + dt.timedelta(days=10)
    assert len(services.escalate_overdue(later)) == 1
    assert Escalation.objects.filter(action=action).count() == 2


def test_escalation_without_a_responsible_person_goes_to_training_admins(team):
    whole = team.org.person(unit=team.org.root, no="HQ-A001", name="周总培", role=Role.TRAINING_ADMIN)
    _action(team, days=-1, responsible=None)
    escalation = services.escalate_overdue()[0]
    assert set(escalation.recipients.all()) == {team.admin.user, whole.user}


def test_the_escalate_actions_command(team):
    _action(team, days=-2)
    out = StringIO()
    call_command("escalate_actions", stdout=out)
    assert Escalation.objects.count() == 1
    call_command("escalate_actions", stdout=out)
    assert Escalation.objects.count() == 1


def test_verifying_needs_an_effective_check(team):
    action = _action(team)
    services.action_set_status(action=action, status=ActionStatus.DONE, actor=team.admin.user)
    with pytest.raises(ApplicationError) as error:
        services.action_set_status(action=action, status=ActionStatus.VERIFIED, actor=team.admin.user)
    assert error.value.code == "unchecked"
    services.action_check_add(action=action, actor=team.admin.user, checked_on=today(), result="抽查有效",
                              effective=True)
    services.action_set_status(action=action, status=ActionStatus.VERIFIED, actor=team.admin.user)
    assert ImprovementAction.objects.get(pk=action.pk).status == ActionStatus.VERIFIED


def test_a_cancelled_action_cannot_be_reopened(team):
    action = _action(team)
    services.action_set_status(action=action, status=ActionStatus.CANCELLED, actor=team.admin.user)
    with pytest.raises(ApplicationError) as error:
        services.action_set_status(action=action, status=ActionStatus.OPEN, actor=team.admin.user)
    assert error.value.message == gettext("An action that is “%(now)s” cannot become “%(new)s”.") % {
        "now": gettext("Cancelled"), "new": gettext("Open")}


def test_the_responsible_person_belongs_to_the_unit(team):
    with pytest.raises(ApplicationError) as error:
        _action(team, unit=team.org.platform, responsible="manager")
    assert error.value.field == "responsible"


def test_admin_creates_an_action_and_records_a_check_through_the_pages(client, team):
    client.force_login(team.admin.user)
    form = {"title": "课后一个月内安排带教人", "description": "", "source": "report", "source_ref": "Q3 跟踪报告",
            "org_unit": team.org.platform.pk, "responsible": team.employee.pk,
            "deadline": (today() + dt.timedelta(days=30)).isoformat(), "expected_effect": "应用案例数 +30%"}
    response = client.post(reverse("growth:action_create"), form)
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    check = {"checked_on": today().isoformat(), "result": "已安排 5 位带教人", "effective": "unknown"}
    assert client.post(reverse("growth:action_check", args=[action.pk]), check).status_code == 302
    assert ActionCheck.objects.get().effective is None
    assert client.post(reverse("growth:action_status", args=[action.pk]), {"status": "in_progress"}).status_code == 302
    body = client.get(reverse("growth:action", args=[action.pk])).content.decode()
    assert "已安排 5 位带教人" in body and gettext("In progress") in body


def test_a_refused_status_change_is_shown_on_the_page(client, team):
    action = _action(team)
    client.force_login(team.admin.user)
    response = client.post(reverse("growth:action_status", args=[action.pk]), {"status": "verified"})
    assert response.status_code == 200
    assert ImprovementAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_the_action_list_filters_overdue_and_charts_by_status(client, team):
    _action(team, days=-3, title="逾期的措施")
    _action(team, days=20, title="按期的措施")
    services.escalate_overdue()
    client.force_login(team.admin.user)
    response = client.get(reverse("growth:actions"), {"overdue": "1"})
    body = response.content.decode()
    assert "逾期的措施" in body and "按期的措施" not in body and gettext("Escalated") in body
    chart = response.context["chart"]
    assert chart["series"][0]["data"][0] == 2  # both open
    assert 'data-chart="actions-chart"' in body


def test_an_admin_cannot_file_an_action_for_a_unit_outside_their_scope(client, team):
    client.force_login(team.admin.user)
    form = {"title": "市场部措施", "source": "other", "org_unit": team.org.marketing.pk,
            "deadline": today().isoformat(), "expected_effect": "x"}
    assert client.post(reverse("growth:action_create"), form).status_code == 200
    api = client.post(f"{API}/actions", {**form, "org_unit_id": team.org.marketing.pk},
                      content_type="application/json")
    assert api.status_code == 404
    assert not ImprovementAction.objects.exists()


def test_a_manager_cannot_see_improvement_actions(client, team):
    _action(team)
    client.force_login(team.manager.user)
    assert client.get(reverse("growth:actions")).status_code == 403
    assert client.get(f"{API}/actions").status_code == 403


def test_api_lists_creates_and_moves_actions(client, team):
    client.force_login(team.admin.user)
    created = client.post(f"{API}/actions", {"title": "统一纪要模板", "source": "other", "org_unit_id":
                                             team.org.platform.pk, "responsible_id": team.employee.pk,
                                             "deadline": (today() - dt.timedelta(days=1)).isoformat(),
                                             "expected_effect": "纪要按时率 95%"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    listed = client.get(f"{API}/actions", {"overdue": True}).json()
    assert [item["id"] for item in listed["items"]] == [pk]
    moved = client.post(f"{API}/actions/{pk}/status", {"status": "done"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "done"
    refused = client.post(f"{API}/actions/{pk}/status", {"status": "verified"}, content_type="application/json")
    assert refused.status_code == 400
