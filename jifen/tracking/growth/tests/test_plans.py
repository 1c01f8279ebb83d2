import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm, access_for_user
from jifen.tracking.growth import services
from jifen.tracking.growth.models import CareerReview, DevelopmentPlan, Horizon
from jifen.tracking.growth.tests.factories import today


def plan_form(team, **extra):
    year = today().year
    data = {"start_year": year, "end_year": year + 3, "aspiration": "成长为技术负责人",
            "short_goals": "独立负责一个模块\n做两次技术分享", "long_goals": "带 3-5 人的小组",
            "courses": [team.course.pk], "submit": "on",
            "actions-TOTAL_FORMS": "2", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "30",
            "actions-0-text": "完成沟通技巧课程", "actions-0-due_on": f"{year}-12-31", "actions-0-status": "doing",
            "actions-1-text": "", "actions-1-due_on": "", "actions-1-status": "todo"}
    data.update(extra)
    return data


def _agreed(team):
    year = today().year
    plan = services.plan_save(person=team.employee, start_year=year, end_year=year + 2, short_goals="独立负责模块",
                              long_goals="带小组", submit=True)
    people = access_for_user(team.manager.user).people(Perm.TRACKING_FOLLOW)
    return services.plan_decide(plan=plan, manager=team.manager.user, people=people, agree=True)


def test_employee_writes_a_plan_and_the_manager_agrees(client, team):
    client.force_login(team.employee.user)
    assert client.post(reverse("growth:plan_edit"), plan_form(team)).status_code == 302
    plan = DevelopmentPlan.objects.get()
    assert plan.status == DevelopmentPlan.Status.SUBMITTED
    assert [g.text for g in plan.goals.filter(horizon=Horizon.SHORT)] == ["独立负责一个模块", "做两次技术分享"]
    assert [(a.text, a.status) for a in plan.actions.all()] == [("完成沟通技巧课程", "doing")]
    assert list(plan.courses.all()) == [team.course]
    body = client.get(reverse("growth:my_plan")).content.decode()
    assert "带 3-5 人的小组" in body

    client.force_login(team.manager.user)
    assert "郑雨桐" in client.get(reverse("growth:plans")).content.decode()
    response = client.post(reverse("growth:plan_decide", args=[plan.pk]), {"decision": "agree", "note": "同意"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == DevelopmentPlan.Status.AGREED and plan.agreed_by == team.manager.user


def test_sending_a_plan_back_needs_a_note(client, team):
    client.force_login(team.employee.user)
    client.post(reverse("growth:plan_edit"), plan_form(team))
    plan = DevelopmentPlan.objects.get()
    client.force_login(team.manager.user)
    response = client.post(reverse("growth:plan_decide", args=[plan.pk]), {"decision": "return", "note": ""})
    assert response.status_code == 200
    assert gettext("Say what should change.") in response.content.decode()
    client.post(reverse("growth:plan_decide", args=[plan.pk]), {"decision": "return", "note": "行动再细化"})
    assert DevelopmentPlan.objects.get().status == DevelopmentPlan.Status.DRAFT


def test_changing_an_agreed_plan_sends_it_back_to_the_manager(client, team):
    plan = _agreed(team)
    client.force_login(team.employee.user)
    client.post(reverse("growth:plan_edit"), plan_form(team, start_year=plan.start_year, end_year=plan.end_year))
    plan.refresh_from_db()
    assert plan.status == DevelopmentPlan.Status.SUBMITTED and plan.agreed_at is None


def test_one_plan_per_person_per_period(team):
    _agreed(team)
    year = today().year
    with pytest.raises(ApplicationError) as error:
        services.plan_save(person=team.employee, start_year=year + 1, end_year=year + 3, short_goals="x")
    assert error.value.message == gettext("You already have a plan for these years.")


def test_a_plan_covers_one_to_five_years(team):
    year = today().year
    with pytest.raises(ApplicationError) as error:
        services.plan_save(person=team.employee, start_year=year, end_year=year + 6)
    assert error.value.field == "end_year"


def test_an_action_without_a_due_date_keeps_the_form(client, team):
    client.force_login(team.employee.user)
    response = client.post(reverse("growth:plan_edit"), plan_form(team, **{"actions-0-due_on": ""}))
    assert response.status_code == 200
    assert "完成沟通技巧课程" in response.content.decode()
    assert not DevelopmentPlan.objects.exists()


def test_yearly_career_review_against_the_plan(client, team):
    plan = _agreed(team)
    goals = list(plan.goals.all())
    client.force_login(team.manager.user)
    data = {"year": today().year, "assessment": "进步明显", "next_steps": "明年带新人",
            **{f"goal_{goal.pk}": f"完成：{goal.text}" for goal in goals}}
    response = client.post(reverse("growth:plan_review", args=[plan.pk]), data)
    assert response.status_code == 302
    review = CareerReview.objects.get()
    assert {o["achieved"] for o in review.outcomes} == {f"完成：{g.text}" for g in goals}
    again = client.post(reverse("growth:plan_review", args=[plan.pk]), data)
    assert again.status_code == 200
    assert escape(gettext("This year's review has already been recorded.")) in again.content.decode()
    client.force_login(team.employee.user)
    assert "明年带新人" in client.get(reverse("growth:my_plan")).content.decode()


def test_a_plan_not_yet_agreed_is_not_reviewed(team):
    year = today().year
    plan = services.plan_save(person=team.employee, start_year=year, end_year=year + 1, short_goals="x")
    with pytest.raises(ApplicationError):
        services.career_review_record(plan=plan, reviewer=team.manager.user, people=None, year=year, achieved=[],
                                      assessment="a", next_steps="b")


def test_a_manager_does_not_see_plans_outside_their_unit(client, team):
    year = today().year
    plan = services.plan_save(person=team.outsider, start_year=year, end_year=year + 1, short_goals="市场目标",
                              submit=True)
    client.force_login(team.manager.user)
    assert client.get(reverse("growth:plan", args=[plan.pk])).status_code == 404
    assert client.post(reverse("growth:plan_decide", args=[plan.pk]), {"decision": "agree"}).status_code == 404
    assert DevelopmentPlan.objects.get(pk=plan.pk).status == DevelopmentPlan.Status.SUBMITTED


def test_a_plan_for_the_next_period_starts_after_the_current_one(client, team):
    plan = _agreed(team)
    client.force_login(team.employee.user)
    response = client.get(reverse("growth:plan_edit") + "?new=1")
    assert response.context["form"].initial["start_year"] == plan.end_year + 1
    data = plan_form(team, start_year=plan.end_year + 1, end_year=plan.end_year + 3, new="1")
    assert client.post(reverse("growth:plan_edit"), data).status_code == 302
    assert DevelopmentPlan.objects.filter(person=team.employee).count() == 2
    assert DevelopmentPlan.objects.get(pk=plan.pk).status == DevelopmentPlan.Status.AGREED
