"""A learner opens the home page on their phone and sees where they stand."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import Course, CourseAssignment, CourseKind
from jifen.recognition.models import Badge, BadgeAward, Level, RecognitionSettings
from jifen.reports.dashboards.tests.factories import credits, months_ago, points


def test_the_home_page_shows_points_credits_against_the_target_and_the_last_twelve_months(client, org):
    me = org.person(name="郑雨桐")  # 软件工程师: 150 credits a year
    credits(me, 30, required=True)
    credits(me, 15)
    points(me, 100, rule="出勤")
    points(me, 40, rule="考试", at=months_ago(1))
    client.force_login(me.user)
    body = client.get(reverse("core:home")).content.decode()
    assert "140.00" in body  # balance
    summary = _("%(earned)s of %(target)s credits (%(percent)s%%)") % {"earned": "45.0", "target": "150.0",
                                                                        "percent": 30}
    assert summary in body
    assert 'data-chart="credit-ring"' in body and 'data-chart="points-trend"' in body
    api = client.get("/api/v1/dashboards/me").json()
    assert Decimal(api["points"]) == 140 and Decimal(api["credits"]) == 45
    assert Decimal(api["required_credits"]) == 30 and Decimal(api["elective_credits"]) == 15
    assert Decimal(api["credit_target"]) == 150 and api["percent"] == 30
    assert len(api["trend"]) == 12
    assert [Decimal(m["points"]) for m in api["trend"][-2:]] == [40, 100]
    assert sum(Decimal(m["points"]) for m in api["trend"]) == 140


def test_a_mid_year_hire_sees_a_pro_rated_target(client, org):
    year = timezone.localdate().year
    me = org.person(hire_date=dt.date(year, 7, 1))  # six months of 150
    client.force_login(me.user)
    assert Decimal(client.get("/api/v1/dashboards/me").json()["credit_target"]) == 75


def test_points_about_to_expire_are_listed_with_their_date(client, org):
    me = org.person()
    points(me, 25, at=timezone.now() - dt.timedelta(days=20), expiry=("rolling", 1))  # expires in ~10 days
    points(me, 30)  # never expires
    client.force_login(me.user)
    api = client.get("/api/v1/dashboards/me").json()
    assert Decimal(api["expiring_total"]) == 25 and len(api["expiring"]) == 1
    assert "25.00" in client.get(reverse("core:home")).content.decode()


def test_next_required_courses_rank_level_and_new_badges(client, org):
    me = org.person()
    other = org.person()
    course = Course.objects.create(code="SAFE1", title="安全生产", kind=CourseKind.REQUIRED, credits=2)
    CourseAssignment.objects.create(course=course, person=me, due_on=timezone.localdate() + dt.timedelta(days=20))
    Level.objects.all().delete()  # the shipped levels, replaced by two we can count on
    Level.objects.create(name="青铜", min_points=0)
    Level.objects.create(name="白银", min_points=100)
    chosen = RecognitionSettings.current()
    chosen.min_group_size = 2
    chosen.save()
    points(me, 60)
    points(other, 80)
    badge = Badge.objects.create(code="first", name="初次签到", criterion="manual")
    BadgeAward.objects.create(badge=badge, person=me, awarded_at=timezone.now())
    client.force_login(me.user)
    api = client.get("/api/v1/dashboards/me").json()
    assert [c["code"] for c in api["next_required"]] == ["SAFE1"]
    assert api["rank"] == 2 and api["ranked"] == 2
    assert api["level"] == "青铜" and api["next_level"] == "白银" and Decimal(api["points_to_next_level"]) == 40
    assert [b["name"] for b in api["new_badges"]] == ["初次签到"]
    body = client.get(reverse("core:home")).content.decode()
    assert "安全生产" in body and "初次签到" in body and "白银" in body


def test_someone_without_a_person_record_still_gets_the_tiles(client, org):
    admin = org.system_admin()
    client.force_login(admin)
    body = client.get(reverse("core:home")).content.decode()
    assert 'data-chart="credit-ring"' not in body
    assert reverse("dashboards:economy") in body
    assert client.get("/api/v1/dashboards/me").status_code == 404
