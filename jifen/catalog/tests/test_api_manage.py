"""Training admins manage the catalogue over the API as on the pages: courses (and archiving them),
materials, categories, sessions, rosters, required courses and the credit policy, within their scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from jifen.api.tests.helpers import API, bearer, is_problem, send
from jifen.catalog import services
from jifen.catalog.models import (
    MATERIAL_EXTENSIONS,
    Category,
    Course,
    CourseAssignment,
    CourseMaterial,
    CreditPolicy,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.catalog.tests.factories import course, session
from jifen.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def zh(message: str, **params) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


@pytest.fixture
def admin(org):
    """A training admin of 研发中心 (平台组 is inside, 市场部 outside)."""
    return org.person(unit=org.rnd, no="RD-A001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def head_admin(org):
    """A training admin of the whole organisation."""
    return org.person(unit=org.root, no="HQ-A001", name="周总培", role=Role.TRAINING_ADMIN)


def _starts(days: int = 10) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


# ---------------------------------------------------------------- courses


def test_a_course_added_through_the_api_is_in_the_catalogue_with_its_trainers_and_prerequisites(client, org, admin):
    trainer = org.person(unit=org.platform, no="RD-T001", name="孙讲师")
    basics = course(code="PY-101")
    client.force_login(admin.user)
    response = send(client, "post", "/catalog/courses", {
        "code": "PY-201", "title": "Python 进阶", "kind": "required", "credits": "4.5", "hours": 8,
        "trainers": ["RD-T001"], "prerequisites": ["PY-101"], "recertify_months": 24})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["trainers"] == [{"employee_no": "RD-T001", "name": "孙讲师"}]
    assert body["prerequisites"] == ["PY-101"] and body["credits"] == 4.5
    made = Course.objects.get(code="PY-201")
    assert list(made.trainers.all()) == [trainer] and list(made.prerequisites.all()) == [basics]
    assert client.get(f"{API}/courses/PY-201").json()["title"] == "Python 进阶"


def test_a_course_code_already_in_use_is_refused_in_the_users_language(client, admin):
    course(code="SAFE-01")
    client.force_login(admin.user)
    body = is_problem(send(client, "post", "/catalog/courses", {"code": "SAFE-01", "title": "又一门"}), 400)
    assert body["detail"] == zh("A course with this code already exists.") and body["field"] == "code"
    english = send(client, "post", "/catalog/courses", {"code": "SAFE-01", "title": "又一门"},
                   HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "A course with this code already exists."


def test_a_trainer_outside_the_admins_scope_cannot_be_named(client, org, admin):
    org.person(unit=org.marketing, no="MK-0001", name="钱多多")
    client.force_login(admin.user)
    body = is_problem(send(client, "post", "/catalog/courses", {"code": "X-1", "title": "课", "trainers": ["MK-0001"]}),
                      404)
    assert "MK-0001" in body["detail"]
    assert not Course.objects.filter(code="X-1").exists()


def test_archiving_a_course_takes_it_out_of_the_catalogue_and_keeps_trainers_outside_scope(client, org, admin):
    outsider = org.person(unit=org.marketing, no="MK-0001")
    insider = org.person(unit=org.platform, no="RD-T001")
    safety = course(code="SAFE-01", trainers=[outsider])
    client.force_login(admin.user)
    response = send(client, "patch", f"/catalog/courses/{safety.pk}", {"is_active": False, "trainers": ["RD-T001"]})
    assert response.status_code == 200 and response.json()["is_active"] is False
    safety.refresh_from_db()
    assert not safety.is_active
    assert set(safety.trainers.all()) == {outsider, insider}
    assert client.get(f"{API}/courses/SAFE-01").status_code == 404
    assert [c["code"] for c in client.get(f"{API}/catalog/courses", {"active": False}).json()["items"]] == ["SAFE-01"]


def test_a_prerequisite_circle_is_refused(client, admin):
    first = course(code="A-1")
    second = course(code="A-2", prerequisites=[first])
    client.force_login(admin.user)
    body = is_problem(send(client, "patch", f"/catalog/courses/{first.pk}", {"prerequisites": ["A-2"]}), 400)
    assert body["field"] == "prerequisites"
    assert list(first.prerequisites.all()) == [] and list(second.prerequisites.all()) == [first]


def test_someone_without_catalogue_rights_cannot_manage_courses(client, org):
    client.force_login(org.manager_of(org.rnd).user)
    is_problem(send(client, "get", "/catalog/courses"), 403)
    is_problem(send(client, "post", "/catalog/courses", {"code": "X-1", "title": "课"}), 403)
    assert not Course.objects.filter(code="X-1").exists()


def test_changing_courses_needs_an_admin_token_reading_them_does_not(client, admin):
    write = bearer(admin.user, "write")
    body = is_problem(send(client, "post", "/catalog/courses", {"code": "X-1", "title": "课"}, **write), 403)
    assert body["required_scope"] == "admin"
    assert send(client, "get", "/catalog/courses", **bearer(admin.user, "read")).status_code == 200
    made = send(client, "post", "/catalog/courses", {"code": "X-1", "title": "课"}, **bearer(admin.user, "admin"))
    assert made.status_code == 201


# ---------------------------------------------------------------- materials


def test_a_material_is_uploaded_with_the_pages_checks_and_removed(client, admin):
    safety = course(code="SAFE-01")
    client.force_login(admin.user)
    url = f"{API}/catalog/courses/{safety.pk}/materials"
    made = client.post(url, {"title": "讲义", "file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4 x")})
    assert made.status_code == 201 and made.json()["title"] == "讲义"
    assert CourseMaterial.objects.filter(course=safety).count() == 1
    refused = client.post(url, {"file": SimpleUploadedFile("setup.exe", b"MZ")})
    body = is_problem(refused, 400)
    assert body["field"] == "file"
    assert body["detail"] == zh("This kind of file cannot be attached. Allowed: %(types)s.",
                                types=", ".join(MATERIAL_EXTENSIONS))
    empty = is_problem(client.post(url, {"file": SimpleUploadedFile("空.pdf", b"")}), 400)
    assert empty["field"] == "file"
    assert CourseMaterial.objects.filter(course=safety).count() == 1
    assert client.delete(f"{API}/catalog/materials/{made.json()['id']}").status_code == 204
    assert not CourseMaterial.objects.filter(course=safety).exists()


# ---------------------------------------------------------------- categories


def test_categories_are_added_renamed_with_their_children_and_only_deleted_when_empty(client, admin):
    client.force_login(admin.user)
    general = send(client, "post", "/catalog/categories", {"name": "通用能力"}).json()
    safety = send(client, "post", "/catalog/categories", {"name": "安全", "parent_id": general["id"]})
    assert safety.status_code == 201 and safety.json()["name_path"] == "通用能力/安全"
    renamed = send(client, "put", f"/catalog/categories/{general['id']}", {"name": "通用素质", "parent_id": None})
    assert renamed.json()["name_path"] == "通用素质"
    assert Category.objects.get(pk=safety.json()["id"]).name_path == "通用素质/安全"
    body = is_problem(send(client, "delete", f"/catalog/categories/{general['id']}"), 400)
    assert body["detail"] == zh("Only an empty category (no courses, no subcategories) can be deleted.")
    assert send(client, "delete", f"/catalog/categories/{safety.json()['id']}").status_code == 204
    assert [c["name_path"] for c in send(client, "get", "/catalog/categories").json()] == ["通用素质"]


def test_a_category_cannot_be_moved_under_itself(client, admin):
    top = services.category_ensure(path="通用能力")
    below = services.category_ensure(path="通用能力/安全")
    client.force_login(admin.user)
    body = is_problem(send(client, "put", f"/catalog/categories/{top.pk}", {"name": "通用能力",
                                                                           "parent_id": below.pk}), 400)
    assert body["field"] == "parent"


# ---------------------------------------------------------------- sessions


def test_a_session_is_planned_for_a_unit_in_scope_only(client, org, admin):
    safety = course(code="SAFE-01")
    client.force_login(admin.user)
    data = {"course_id": safety.pk, "org_unit_id": org.platform.pk, "starts_at": _starts().isoformat(),
            "ends_at": (_starts() + dt.timedelta(hours=3)).isoformat(), "capacity": 20, "place": "一号会议室"}
    made = send(client, "post", "/catalog/sessions", data)
    assert made.status_code == 201, made.content
    assert made.json()["org_unit"] == "总部/研发中心/平台组" and made.json()["enrolment_mode"] == "self"
    outside = send(client, "post", "/catalog/sessions", {**data, "org_unit_id": org.marketing.pk})
    is_problem(outside, 404)
    backwards = send(client, "post", "/catalog/sessions", {**data, "ends_at": _starts(9).isoformat()})
    assert is_problem(backwards, 400)["field"] == "ends_at"
    assert Session.objects.count() == 1


def test_an_archived_course_gets_no_new_session(client, org, admin):
    old = course(code="OLD-1", is_active=False)
    client.force_login(admin.user)
    data = {"course_id": old.pk, "org_unit_id": org.platform.pk, "starts_at": _starts().isoformat(),
            "ends_at": (_starts() + dt.timedelta(hours=3)).isoformat()}
    assert is_problem(send(client, "post", "/catalog/sessions", data), 400)["field"] == "course_id"


def test_a_larger_capacity_lets_the_waitlist_in_and_cancelling_empties_the_roster(client, org, admin):
    run = session(course=course(), unit=org.platform, capacity=1)
    first, second = org.person(unit=org.platform), org.person(unit=org.platform)
    services.enrolment_assign(session=run, people=[first, second])
    client.force_login(admin.user)
    changed = send(client, "patch", f"/catalog/sessions/{run.pk}", {"capacity": 2, "place": "二号会议室"})
    assert changed.json()["enrolled"] == 2 and changed.json()["waiting"] == 0
    assert changed.json()["place"] == "二号会议室"
    cancelled = send(client, "post", f"/catalog/sessions/{run.pk}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert set(Enrolment.objects.filter(session=run).values_list("status", flat=True)) == {"cancelled"}


def test_a_session_organised_outside_the_scope_is_not_found(client, org, admin):
    run = session(course=course(), unit=org.marketing)
    client.force_login(admin.user)
    for method, path in (("get", f"/catalog/sessions/{run.pk}"), ("patch", f"/catalog/sessions/{run.pk}"),
                         ("post", f"/catalog/sessions/{run.pk}/cancel"), ("get", f"/catalog/sessions/{run.pk}/roster")):
        is_problem(send(client, method, path, {} if method != "get" else None), 404)
    assert Session.objects.get(pk=run.pk).status == "planned"
    assert send(client, "get", "/catalog/sessions").json()["count"] == 0


def test_sessions_and_rosters_need_only_a_write_token(client, org, admin):
    run = session(course=course(), unit=org.platform)
    read = bearer(admin.user, "read")
    assert is_problem(send(client, "post", f"/catalog/sessions/{run.pk}/cancel", {}, **read), 403)[
        "required_scope"] == "write"
    assert send(client, "post", f"/catalog/sessions/{run.pk}/cancel", {}, **bearer(admin.user, "write")
                ).status_code == 200


# ---------------------------------------------------------------- rosters


def test_people_are_assigned_by_number_and_by_unit_and_waitlisted_when_full(client, org, admin):
    run = session(course=course(), unit=org.platform, capacity=2)
    named = org.person(unit=org.rnd, no="RD-0009")
    team = [org.person(unit=org.platform) for _ in range(2)]
    client.force_login(admin.user)
    made = send(client, "post", f"/catalog/sessions/{run.pk}/roster", {"people": ["RD-0009"],
                                                                       "unit_id": org.platform.pk})
    assert made.status_code == 200, made.content
    statuses = {line["employee_no"]: (line["status"], line["waitlist_rank"]) for line in made.json()}
    assert statuses[named.employee_no] == ("enrolled", None)
    assert sorted(s for s, _rank in statuses.values()) == ["enrolled", "enrolled", "waitlisted"]
    roster = send(client, "get", f"/catalog/sessions/{run.pk}/roster").json()
    assert roster["count"] == 3 and {line["employee_no"] for line in roster["items"]} == {
        named.employee_no, *[p.employee_no for p in team]}


def test_assigning_someone_outside_the_scope_names_them_and_assigns_nobody(client, org, admin):
    run = session(course=course(), unit=org.platform)
    org.person(unit=org.platform, no="RD-0001")
    org.person(unit=org.marketing, no="MK-0001")
    client.force_login(admin.user)
    body = is_problem(send(client, "post", f"/catalog/sessions/{run.pk}/roster", {"people": ["RD-0001", "MK-0001"]}),
                      404)
    assert body["detail"] == zh("Not found in your scope: %(numbers)s.", numbers="MK-0001")
    assert not Enrolment.objects.filter(session=run).exists()
    assert is_problem(send(client, "post", f"/catalog/sessions/{run.pk}/roster", {}), 400)["field"] == "people"


def test_requests_are_approved_rejected_and_the_waitlist_reordered(client, org, admin):
    run = session(course=course(), unit=org.platform, capacity=1, mode=EnrolmentMode.APPROVAL)
    seated, *waiting = services.enrolment_assign(session=run, people=[org.person(unit=org.platform) for _ in range(3)])
    asking, other = org.person(unit=org.platform), org.person(unit=org.platform)
    request_one = services.enrolment_self(session=run, person=asking)
    request_two = services.enrolment_self(session=run, person=other)
    client.force_login(admin.user)
    approved = send(client, "post", f"/catalog/enrolments/{request_one.pk}/approve", {})
    assert approved.json()["status"] == "waitlisted" and approved.json()["decided_by"] == admin.user.username
    again = is_problem(send(client, "post", f"/catalog/enrolments/{request_one.pk}/approve", {}), 400)
    assert again["detail"] == zh("Only an enrolment awaiting approval can be approved.")
    rejected = send(client, "post", f"/catalog/enrolments/{request_two.pk}/reject", {"note": "名额已满"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["note"] == "名额已满"
    moved = send(client, "post", f"/catalog/enrolments/{waiting[1].pk}/move", {"direction": "up"})
    assert moved.json()["waitlist_rank"] == 1
    assert Enrolment.objects.get(pk=waiting[0].pk).waitlist_rank == 2
    cancelled = send(client, "post", f"/catalog/enrolments/{seated.pk}/cancel", {"note": "出差"})
    assert cancelled.json()["status"] == "cancelled"
    assert Enrolment.objects.get(pk=waiting[1].pk).status == "enrolled"  # the first waiting moved up


def test_an_enrolment_in_a_session_outside_the_scope_is_not_found(client, org, admin):
    run = session(course=course(), unit=org.marketing, mode=EnrolmentMode.APPROVAL)
    pending = services.enrolment_self(session=run, person=org.person(unit=org.marketing))
    client.force_login(admin.user)
    for action in ("approve", "reject", "cancel", "move"):
        is_problem(send(client, "post", f"/catalog/enrolments/{pending.pk}/{action}", {}), 404)
    assert Enrolment.objects.get(pk=pending.pk).status == "pending"


# ---------------------------------------------------------------- requirements and policy


def test_a_required_course_is_assigned_to_a_unit_or_a_person_in_scope_and_removed(client, org, admin):
    safety = course(code="SAFE-01")
    person = org.person(unit=org.platform, no="RD-0001")
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    client.force_login(admin.user)
    unit_wide = send(client, "post", "/catalog/requirements", {"course_id": safety.pk, "org_unit_id": org.platform.pk,
                                                               "due_on": due})
    assert unit_wide.status_code == 201 and unit_wide.json()["target"] == "unit"
    personal = send(client, "post", "/catalog/requirements", {"course_id": safety.pk, "employee_no": "RD-0001",
                                                              "due_on": due, "note": "补修"})
    assert personal.json()["employee_no"] == "RD-0001"
    assert CourseAssignment.objects.filter(person=person, course=safety).exists()
    both = send(client, "post", "/catalog/requirements", {"course_id": safety.pk, "employee_no": "RD-0001",
                                                          "org_unit_id": org.platform.pk, "due_on": due})
    is_problem(both, 400)
    outside = send(client, "post", "/catalog/requirements", {"course_id": safety.pk, "org_unit_id": org.marketing.pk,
                                                             "due_on": due})
    is_problem(outside, 404)
    assert send(client, "get", "/catalog/requirements").json()["count"] == 2
    assert send(client, "delete", f"/catalog/requirements/{personal.json()['id']}").status_code == 204
    assert CourseAssignment.objects.count() == 1


def test_only_a_whole_organisation_admin_requires_a_course_for_a_position(client, org, admin, head_admin):
    safety = course(code="SAFE-01")
    data = {"course_id": safety.pk, "position_id": org.engineer.pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}
    client.force_login(admin.user)
    assert is_problem(send(client, "post", "/catalog/requirements", data), 400)["field"] == "position_id"
    client.force_login(head_admin.user)
    made = send(client, "post", "/catalog/requirements", data)
    assert made.status_code == 201 and made.json()["position"] == "软件工程师"
    client.force_login(admin.user)
    assert any(r["target"] == "position" for r in send(client, "get", "/catalog/requirements").json()["items"])
    is_problem(send(client, "delete", f"/catalog/requirements/{made.json()['id']}"), 404)
    assert CourseAssignment.objects.count() == 1


def test_a_requirement_outside_the_scope_is_neither_listed_nor_removable(client, org, admin):
    theirs = services.assignment_create(course=course(), org_unit=org.marketing,
                                        due_on=timezone.localdate() + dt.timedelta(days=30))
    client.force_login(admin.user)
    assert send(client, "get", "/catalog/requirements").json()["count"] == 0
    is_problem(send(client, "delete", f"/catalog/requirements/{theirs.pk}"), 404)
    assert CourseAssignment.objects.filter(pk=theirs.pk).exists()


def test_the_credit_policy_is_changed_by_a_whole_organisation_admin_only(client, admin, head_admin):
    client.force_login(admin.user)
    assert send(client, "get", "/catalog/policy").json()["required_share_percent"] == 40
    is_problem(send(client, "put", "/catalog/policy", {"required_share_percent": 50}), 403)
    client.force_login(head_admin.user)
    changed = send(client, "put", "/catalog/policy", {"required_share_percent": 50})
    assert changed.status_code == 200 and changed.json()["required_share_percent"] == 50
    assert CreditPolicy.objects.get(pk=1).required_share_percent == Decimal(50)
    is_problem(send(client, "put", "/catalog/policy", {"required_share_percent": 101}), 422)
    assert is_problem(send(client, "put", "/catalog/policy", {"required_share_percent": 50},
                           **bearer(head_admin.user, "write")), 403)["required_scope"] == "admin"
