"""Badges in the users' terms: earned from learning facts, granted by hand within a monthly limit, held once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.org.models import Person, Role
from jifen.recognition import badges
from jifen.recognition.models import Badge, BadgeAward
from jifen.rules.services import record_event


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


@pytest.fixture
def manager(org):
    return org.person(unit=org.rnd, no="M0001", name="陈经理", role=Role.MANAGER, scope=org.rnd)


def fact(person, kind, key, *, days_ago=1, course=None):
    result = record_event(key=key, type=kind, person=person.employee_no, course=course,
                          occurred_at=timezone.now() - dt.timedelta(days=days_ago))
    assert result.status == "posted", result.error


def held(person) -> set[str]:
    return set(BadgeAward.objects.filter(person=person).values_list("badge__code", flat=True))


def test_a_first_completed_course_earns_the_first_course_badge_once(learner):
    Course.objects.create(code="SAFE-01", title="安全生产")
    assert badges.award_due(person=learner) == 0
    fact(learner, "course.completed", "c1", course="SAFE-01")
    assert badges.award_due(person=learner) == 1 and held(learner) == {"first-course"}
    assert badges.award_due(person=learner) == 0


def test_five_different_courses_earn_the_five_courses_badge(learner):
    for n in range(5):
        Course.objects.create(code=f"C{n}", title=f"课程{n}")
        fact(learner, "course.completed", f"c{n}", course=f"C{n}")
    badges.award_due(person=learner)
    assert {"first-course", "five-courses"} <= held(learner)


def test_learning_four_weeks_in_a_row_earns_the_streak_badge_and_a_gap_breaks_it(org, learner):
    for week in range(3):
        fact(learner, "attendance.present", f"w{week}", days_ago=7 * week)
    assert badges.streak_weeks(learner, timezone.now(), 4) == 3
    fact(learner, "attendance.present", "w5", days_ago=7 * 5)  # a gap in week 4
    badges.award_due(person=learner)
    assert "four-week-streak" not in held(learner)
    fact(learner, "attendance.present", "w3", days_ago=7 * 3)
    badges.award_due(person=learner)
    assert "four-week-streak" in held(learner)


def test_absences_do_not_count_toward_a_streak(learner):
    for week in range(4):
        fact(learner, "attendance.absent", f"a{week}", days_ago=7 * week)
    assert badges.streak_weeks(learner, timezone.now(), 4) == 0


def test_every_required_course_done_by_its_due_date_earns_always_on_time(org, learner):
    from jifen.catalog.models import CourseAssignment

    today = timezone.localdate()
    for code, due in (("SAFE-01", 5), ("COMP-02", 10)):
        course = Course.objects.create(code=code, title=code, kind="required")
        CourseAssignment.objects.create(course=course, person=learner, due_on=today + dt.timedelta(days=due))
    fact(learner, "course.completed", "c1", course="SAFE-01")
    badges.award_due(person=learner)
    assert "required-on-time" not in held(learner)  # one still open
    fact(learner, "course.completed", "c2", course="COMP-02")
    badges.award_due(person=learner)
    assert "required-on-time" in held(learner)


def test_a_required_course_done_late_never_earns_always_on_time(org, learner):
    from jifen.catalog.models import CourseAssignment

    course = Course.objects.create(code="SAFE-01", title="安全生产", kind="required")
    CourseAssignment.objects.create(course=course, person=learner,
                                    due_on=timezone.localdate() - dt.timedelta(days=3))
    fact(learner, "course.completed", "c1", course="SAFE-01")  # yesterday: two days late
    badges.award_due(person=learner)
    assert "required-on-time" not in held(learner)


def test_a_first_contribution_earns_its_badge(learner):
    fact(learner, "contribution.sharing", "s1")
    badges.award_due(person=learner)
    assert "first-contribution" in held(learner)


def test_a_manager_grants_their_badge_to_their_people_within_the_monthly_limit(org, manager):
    team = [org.person(no=f"E{n:03d}") for n in range(3)]
    badge = Badge.objects.get(code="managers-pick")
    people = Person.objects.filter(org_unit__path__startswith=org.rnd.path)
    for person in team[:2]:
        badges.grant(badge=badge, person=person, granted_by=manager.user, reason="把培训内容用到了项目里", people=people)
    with pytest.raises(ApplicationError) as refused:
        badges.grant(badge=badge, person=team[2], granted_by=manager.user, reason="好", people=people)
    assert refused.value.code == "monthly_limit"


def test_a_badge_is_granted_only_by_its_role_to_people_in_scope(org, manager, learner):
    trainer_badge = Badge.objects.get(code="classroom-star")
    people = Person.objects.filter(org_unit__path__startswith=org.rnd.path)
    with pytest.raises(ApplicationError) as refused:
        badges.grant(badge=trainer_badge, person=learner, granted_by=manager.user, reason="好", people=people)
    assert refused.value.code == "not_granter"
    outsider = org.person(unit=org.marketing, no="M1")
    with pytest.raises(ApplicationError) as refused:
        badges.grant(badge=Badge.objects.get(code="managers-pick"), person=outsider, granted_by=manager.user,
                     reason="好", people=people)
    assert refused.value.code == "out_of_scope"


def test_the_badge_wall_shows_earned_and_not_yet_earned_badges(client, learner):
    fact(learner, "contribution.case", "case-1")
    client.force_login(learner.user)
    page = client.get(reverse("recognition:badges")).content.decode()
    assert page.count("not-yet") == Badge.objects.count() - 1
    emblem = client.get(reverse("recognition:badge_emblem", args=["first-contribution"]))
    assert emblem["Content-Type"] == "image/svg+xml" and b"<svg" in emblem.content


def test_the_grant_page_grants_and_refuses_the_limit_with_a_translated_message(client, org, manager):
    person = org.person(no="E0100", name="王磊")
    client.force_login(manager.user)
    badge = Badge.objects.get(code="managers-pick")
    response = client.post(reverse("recognition:badge_grant"),
                           {"badge": badge.pk, "employee_no": "E0100", "reason": "主动分享"})
    assert response.status_code == 302 and "managers-pick" in held(person)
    again = client.post(reverse("recognition:badge_grant"), {"badge": badge.pk, "employee_no": "E0100", "reason": "x"})
    assert again.status_code == 200 and again.context["form"].errors


def test_api_badges_and_grants(client, org, manager):
    person = org.person(no="E0200", name="李娜")
    client.force_login(manager.user)
    created = client.post("/api/v1/badges/managers-pick/grants", data={"employee_no": "E0200", "reason": "好"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["badge"] == "managers-pick"
    listed = client.get(f"/api/v1/people/{person.employee_no}/badges").json()
    assert [b["badge"] for b in listed] == ["managers-pick"]
    assert client.post("/api/v1/badges/classroom-star/grants", data={"employee_no": "E0200", "reason": "好"},
                       content_type="application/json").status_code == 403


def test_the_badges_command_awards_what_everyone_has_earned(learner):
    from io import StringIO

    from django.core.management import call_command

    fact(learner, "contribution.sharing", "s1")
    out = StringIO()
    call_command("badges", stdout=out)
    assert "first-contribution" in held(learner) and "1" in out.getvalue()
