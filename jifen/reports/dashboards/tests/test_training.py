"""A training admin looks at the year: participation against last year and seed 002's goals, the courses
people choose, how many hours they study, where points come from and who meets the credit target."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from jifen.catalog.models import Course
from jifen.learning.attendance.models import Attendance
from jifen.learning.study.models import Heartbeat, Lesson, Progress
from jifen.org.models import Role
from jifen.reports.dashboards.tests.factories import credits, points
from jifen.tracking.followup.tests import factories


def attend(session, people):
    for person in people:
        Attendance.objects.create(session=session, person=person, status="present", method="manual",
                                  recorded_at=timezone.now(), changed_at=timezone.now(),
                                  event_key=f"dash-{session.pk}-{person.pk}")


def build(org):
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    people = [org.person(unit=org.platform, name=f"学员{i}") for i in range(4)]
    outsider = org.person(unit=org.marketing, name="钱多多")
    year = timezone.localdate().year
    before = factories.session(unit=org.rnd, learners=people[:2], ends_on=dt.date(year - 1, 3, 6), title="旧课")
    attend(before, people[:1])  # last year: 1 of 2, 50%
    hot = factories.session(unit=org.rnd, learners=people, ends_on=dt.date(year, 3, 6), title="沟通技巧")
    attend(hot, people[:3])
    Course.objects.filter(pk=hot.course_id).update(hours=8)
    quiet = factories.session(unit=org.rnd, learners=people[:1], ends_on=dt.date(year, 4, 6), title="写作")
    attend(quiet, people[:1])  # this year: 3 of 4 and 1 of 1, 80%: up 60% on last year, the goal is 20%
    Course.objects.filter(pk=quiet.course_id).update(hours=12)  # 学员0: 20 hours
    elsewhere = factories.session(unit=org.marketing, learners=[outsider], ends_on=dt.date(year, 3, 6), title="营销")
    attend(elsewhere, [outsider])
    points(people[0], 10, rule="出勤")
    points(people[1], 10, rule="出勤")
    points(people[2], 30, rule="考试")
    points(outsider, 500, rule="出勤")
    credits(people[0], 150)
    credits(people[1], 150)
    return admin, people


def study_online(person, course, hours: int, *, at: dt.datetime | None = None):
    """Heartbeats crediting ``hours`` of online study (one per minute, as the player sends them)."""
    lesson = Lesson.objects.get_or_create(course=course, title="在线课", defaults={"duration_seconds": 36000})[0]
    at = at or timezone.now() - dt.timedelta(days=1)
    progress = Progress.objects.get_or_create(lesson=lesson, person=person, defaults={"started_at": at})[0]
    Heartbeat.objects.bulk_create([
        Heartbeat(progress=progress, person=person, at=at + dt.timedelta(minutes=i), visible=True, playing=True,
                  credited=60) for i in range(hours * 60)])


def test_online_study_time_counts_in_the_hours_people_studied(client, org):
    admin, people = build(org)
    course = Course.objects.get(title="写作")
    study_online(people[3], course, 3)  # 0 h → 3 h
    study_online(people[1], course, 9)  # 8 h in class + 9 h online: 17 h
    study_online(people[2], course, 5, at=timezone.now().replace(month=1, day=1) - dt.timedelta(days=3))  # last year
    client.force_login(admin.user)
    hours = [int(Decimal(h["value"])) for h in client.get("/api/v1/dashboards/training").json()["hours"]]
    # 0 h: the admin; under 8 h: 学员3; 8-16 h: 学员2; 16-32 h: 学员1 and 学员0 (20 h)
    assert hours == [1, 1, 1, 2, 0]


def test_participation_rose_sixty_percent_which_meets_the_twenty_percent_goal(client, org):
    admin, _people = build(org)
    client.force_login(admin.user)
    measures = client.get("/api/v1/dashboards/training").json()["measures"]
    participation = measures[0]
    assert (Decimal(participation["current"]), Decimal(participation["previous"])) == (80, 50)
    assert Decimal(participation["change_percent"]) == 60 and participation["met"] is True
    assert [m["met"] for m in measures[1:]] == [None, None]  # no surveys or tests yet: nothing to judge


def test_hot_courses_hours_and_sources_of_points_count_only_the_admins_units(client, org):
    admin, _people = build(org)
    client.force_login(admin.user)
    api = client.get("/api/v1/dashboards/training").json()
    assert [(c["label"].split(" ", 1)[1], Decimal(c["value"])) for c in api["hot_courses"]] == [
        ("沟通技巧", 4), ("写作", 1)]
    hours = [int(Decimal(h["value"])) for h in api["hours"]]
    # in scope: the admin and four learners. 0 h: the admin and 学员3; 8 h: 学员1, 学员2; 20 h: 学员0
    assert hours == [2, 0, 2, 1, 0]
    assert [(s["label"], Decimal(s["value"])) for s in api["sources"]] == [("考试", 30), ("出勤", 20)]
    body = client.get(reverse("dashboards:training")).content.decode()
    assert "沟通技巧" in body and "营销" not in body and "钱多多" not in body


def test_completion_by_department_and_position(client, org):
    admin, _people = build(org)
    client.force_login(admin.user)
    api = client.get("/api/v1/dashboards/training").json()
    departments = {d["name"]: (d["people"], d["at_target"]) for d in api["departments"]}
    # the admin sits on 研发中心 itself, above its departments: a row of its own, so the rows add up
    assert departments == {"平台组": (4, 2), "研发中心（直属）": (1, 0)}
    assert sum(d["people"] for d in api["departments"]) == sum(p["people"] for p in api["positions"]) == 5
    assert [(p["position"], p["people"], p["at_target"], Decimal(p["percent"])) for p in api["positions"]] == [
        ("软件工程师", 5, 2, 40)]
