"""The catalog pages as learners and training admins use them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import Course, Enrolment, EnrolmentMode, Session
from jifen.catalog.tests.factories import course, session
from jifen.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(org):
    return org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


def test_a_learner_searches_the_catalogue_by_title(client, org):
    client.force_login(org.person().user)
    course(title="沟通技巧")
    course(title="Python 入门")
    body = client.get(reverse("catalog:courses"), {"q": "Python"}).content.decode()
    assert "Python 入门" in body and "沟通技巧" not in body


def test_the_catalogue_filters_by_a_category_and_everything_under_it(client, org):
    client.force_login(org.person().user)
    top = services.category_ensure(path="通用能力")
    course(title="消防安全", category=services.category_ensure(path="通用能力/安全"))
    course(title="Python 入门", category=services.category_ensure(path="专业技能"))
    body = client.get(reverse("catalog:courses"), {"category": top.pk}).content.decode()
    assert "消防安全" in body and "Python 入门" not in body


def test_a_learner_enrols_from_the_course_page_and_then_sees_cancel(client, org):
    learner = org.person()
    client.force_login(learner.user)
    run = session(course=course(title="沟通技巧"), unit=org.rnd, capacity=5)
    page = client.get(reverse("catalog:course", args=[run.course_id])).content.decode()
    assert reverse("catalog:enrol", args=[run.pk]) in page
    response = client.post(reverse("catalog:enrol", args=[run.pk]), follow=True)
    assert "您已报名" in response.content.decode() or "enrolled" in response.content.decode().lower()
    assert reverse("catalog:my_enrolment_cancel", args=[Enrolment.objects.get().pk]) in response.content.decode()


def test_a_full_session_tells_the_learner_their_place_on_the_waitlist(client, org):
    run = session(course=course(), unit=org.rnd, capacity=1)
    services.enrolment_self(session=run, person=org.person())
    learner = org.person()
    client.force_login(learner.user)
    page = client.get(reverse("catalog:course", args=[run.course_id])).content.decode()
    assert "Join the waitlist" in page or "候补" in page
    client.post(reverse("catalog:enrol", args=[run.pk]))
    assert Enrolment.objects.get(person=learner).status == "waitlisted"


def test_a_missing_prerequisite_is_named_on_the_course_page(client, org):
    learner = org.person()
    client.force_login(learner.user)
    advanced = course(title="Python 进阶", prerequisites=[course(title="Python 入门")])
    run = session(course=advanced, unit=org.rnd)
    page = client.get(reverse("catalog:course", args=[advanced.pk])).content.decode()
    assert "Python 入门" in page and reverse("catalog:enrol", args=[run.pk]) not in page
    client.post(reverse("catalog:enrol", args=[run.pk]))
    assert not Enrolment.objects.exists()


def test_my_courses_lists_required_courses_with_due_dates_and_enrolments(client, org):
    learner = org.person()
    client.force_login(learner.user)
    safety = course(title="安全生产")
    services.assignment_create(course=safety, org_unit=org.rnd, due_on=timezone.localdate() - dt.timedelta(days=1))
    run = session(course=course(title="沟通技巧"), unit=org.rnd)
    services.enrolment_self(session=run, person=learner)
    body = client.get(reverse("catalog:my_courses")).content.decode()
    assert "安全生产" in body and "沟通技巧" in body
    assert "逾期" in body or "Overdue" in body


def test_my_progress_shows_a_progress_bar_toward_this_years_credits(client, org):
    learner = org.person()
    client.force_login(learner.user)
    body = client.get(reverse("catalog:my_progress")).content.decode()
    assert 'role="progressbar"' in body and "150" in body


def test_an_admin_creates_a_course_and_a_bad_upload_is_refused_with_a_clear_error(client, org, admin):
    client.force_login(admin.user)
    response = client.post(reverse("catalog:course_create"), {
        "code": "PY-101", "title": "Python 入门", "category": "", "kind": "elective", "delivery": "blended",
        "credits": "6", "hours": "12", "difficulty": "1.2", "recertify_months": "", "description": "",
        "is_active": "on"})
    assert response.status_code == 302
    created = Course.objects.get(code="PY-101")
    response = client.post(reverse("catalog:material_add", args=[created.pk]),
                           {"title": "病毒", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert response.status_code == 200
    assert "不能" in response.content.decode() or "cannot" in response.content.decode()
    assert not created.materials.exists()


def test_a_duplicate_course_code_is_shown_on_the_form(client, org, admin):
    course(code="SAFE-01")
    client.force_login(admin.user)
    response = client.post(reverse("catalog:course_create"), {
        "code": "SAFE-01", "title": "重复", "category": "", "kind": "elective", "delivery": "offline",
        "credits": "1", "hours": "1", "difficulty": "1", "recertify_months": "", "description": "",
        "is_active": "on"})
    assert response.status_code == 200
    assert "重复" in response.content.decode()  # what was typed is kept
    assert Course.objects.count() == 1


def test_an_admin_assigns_a_unit_and_approves_from_the_roster(client, org, admin):
    run = session(course=course(), unit=org.platform, capacity=10, mode=EnrolmentMode.APPROVAL)
    people = [org.person(unit=org.platform) for _ in range(2)]
    asking = org.person(unit=org.platform)
    pending = services.enrolment_self(session=run, person=asking)
    client.force_login(admin.user)
    response = client.post(reverse("catalog:roster_assign", args=[run.pk]),
                           {"people": " ".join(p.employee_no for p in people)})
    assert response.status_code == 302
    client.post(reverse("catalog:enrolment_approve", args=[pending.pk]))
    assert Enrolment.objects.filter(session=run, status="enrolled").count() == 3
    roster = client.get(reverse("catalog:roster", args=[run.pk])).content.decode()
    assert asking.name in roster


def test_assigning_someone_outside_the_scope_is_refused_without_naming_them(client, org, admin):
    run = session(course=course(), unit=org.platform)
    outsider = org.person(unit=org.marketing, name="钱多多")
    client.force_login(admin.user)
    response = client.post(reverse("catalog:roster_assign", args=[run.pk]), {"people": outsider.employee_no})
    assert response.status_code == 200 and "钱多多" not in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_session_form_keeps_what_was_typed_when_it_ends_before_it_starts(client, org, admin):
    c = course()
    client.force_login(admin.user)
    response = client.post(reverse("catalog:session_create"), {
        "course": c.pk, "title": "", "org_unit": org.platform.pk, "trainer": "", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T09:00", "place": "二号会议室", "capacity": "", "enrolment_mode": "self",
        "late_after_minutes": "10", "checkin_opens_minutes": "30"})
    assert response.status_code == 200
    assert "二号会议室" in response.content.decode()
    assert not Session.objects.exists()


def test_the_gap_report_pages_people_in_scope_with_a_fixed_number_of_queries(client, org, admin,
                                                                               django_assert_max_num_queries):
    for _ in range(30):
        org.person(unit=org.platform)
    org.person(unit=org.marketing, name="钱多多")
    client.force_login(admin.user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("catalog:gap_report"))
    body = response.content.decode()
    assert "钱多多" not in body
    assert 'rel="next"' in body  # 31 people in 研发中心: two pages
    assert client.get(reverse("catalog:gap_report"), {"page": 2}).status_code == 200
