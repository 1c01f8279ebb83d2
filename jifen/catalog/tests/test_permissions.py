"""Who may use the catalog pages and endpoints (see jifen/org/tests/test_permission_matrix.py).

Courses and categories are the organisation's: every signed-in person browses them, training admins
(of any scope) edit them. Sessions, their rosters and required-course assignments belong to the org
unit that organises them: 平台组 (in 研发中心) and 市场部 (out). Each of those two sessions needs
approval and has one seat: someone assigned holds it, two assigned people wait, and the matrix's
person (郑雨桐 / 钱多多) awaits approval. Every role's own person is enrolled in an open session
organised by 总部, so "my enrolment" cases have something to cancel.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import (
    Category,
    Course,
    CourseAssignment,
    CourseKind,
    CourseMaterial,
    CreditPolicy,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import (
    API,
    LEARN,
    MANAGE_CATALOG,
    ROLES,
    SEE_LEARNING,
    SIGNED_IN,
    Case,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    scoped,
)


class World(matrix.World):
    def __init__(self):
        super().__init__()
        trainer = self.users["trainer"].person
        now = timezone.now().replace(microsecond=0)
        self.category = services.category_ensure(path="通用能力/安全")
        self.empty_category = services.category_ensure(path="待整理")
        self.course = services.course_create(code="SAFE-01", title="安全生产", category=self.category, credits=4,
                                             kind=CourseKind.REQUIRED, trainers=[trainer])
        self.material = services.material_add(course=self.course, title="讲义",
                                              file=SimpleUploadedFile("讲义.pdf", b"%PDF-1.4"))
        starts = now + dt.timedelta(days=10)
        self.open_session = services.session_create(
            course=self.course, org_unit=self.org.root, trainer=trainer, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3), enrolment_mode=EnrolmentMode.SELF, place="一号会议室")
        self.own_enrolments = {
            role: services.enrolment_self(session=self.open_session, person=user.person)
            for role, user in self.users.items() if user is not None and hasattr(user, "person")
        }
        self.sessions, self.pending, self.seated, self.waiting = {}, {}, {}, {}
        for target, unit, prefix in (("in", self.platform, "RD-X"), ("out", self.marketing, "MK-X")):
            session = services.session_create(
                course=self.course, org_unit=unit, trainer=trainer, starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3), capacity=1, enrolment_mode=EnrolmentMode.APPROVAL,
                place="二号会议室")
            extra = [self.org.person(unit=unit, no=f"{prefix}{n}", name=f"学员{prefix[0]}{n}") for n in (1, 2, 3)]
            self.seated[target], *self.waiting[target] = services.enrolment_assign(session=session, people=extra)
            self.pending[target] = services.enrolment_self(session=session, person=self.person(target))
            self.sessions[target] = session
        self.assignments = {
            target: services.assignment_create(course=self.course, org_unit=self.unit(target),
                                               due_on=timezone.localdate() + dt.timedelta(days=30))
            for target in ("in", "out")
        }

    def session(self, target: str) -> Session:
        return self.sessions[target]

    def enrolment_of(self, target: str) -> int:
        """The requester's own enrolment, or the matrix person's (in / out)."""
        if target == "own":
            found = self.own_enrolments.get(self.acting or "")
            return found.pk if found is not None else 999_999
        return self.pending[target].pk


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> World:
    return World()


def fingerprint() -> tuple:
    return (
        list(Category.objects.order_by("pk").values_list("pk", "name", "name_path", "parent_id")),
        list(Course.objects.order_by("pk").values_list("pk", "code", "title", "category_id", "credits", "is_active")),
        list(CourseMaterial.objects.order_by("pk").values_list("pk", "file")),
        list(Session.objects.order_by("pk").values_list("pk", "status", "capacity", "starts_at", "org_unit_id")),
        list(Enrolment.objects.order_by("pk").values_list("pk", "status", "waitlist_rank", "decided_by_id")),
        list(CourseAssignment.objects.order_by("pk").values_list("pk", "course_id", "org_unit_id", "due_on")),
        list(CreditPolicy.objects.order_by("pk").values_list("pk", "required_share_percent")),
    )


def page(name):
    return lambda w, t: reverse(name)


def on(name, attribute):
    return lambda w, t: reverse(name, args=[attribute(w, t)])


def course_form(w, t):
    return {"code": "SAFE-01", "title": "安全生产（修订）", "category": w.category.pk, "kind": "required",
            "delivery": "offline", "credits": "4", "hours": "8", "difficulty": "1.0", "recertify_months": "24",
            "description": "", "is_active": "on"}


def new_course_form(w, t):
    return {**course_form(w, t), "code": "COMM-02", "title": "沟通技巧", "kind": "elective"}


def session_form(w, t):
    starts = timezone.localtime() + dt.timedelta(days=20)
    return {"course": w.course.pk, "title": "", "org_unit": w.unit(t or "in").pk, "trainer": "",
            "starts_at": starts.strftime("%Y-%m-%dT09:00"), "ends_at": starts.strftime("%Y-%m-%dT12:00"),
            "place": "三号会议室", "capacity": "20", "enrolment_mode": "self", "late_after_minutes": "10",
            "checkin_opens_minutes": "30"}


def assignment_form(w, t):
    return {"course": w.course.pk, "target": "unit", "org_unit": w.platform.pk, "position": "", "employee_no": "",
            "due_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(), "note": ""}


def material_file(w, t):
    return {"title": "案例", "file": SimpleUploadedFile("案例.pdf", b"%PDF-1.4 case")}


def session_api(w, t):
    starts = (timezone.localtime() + dt.timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {"course_id": w.course.pk, "org_unit_id": w.unit(t or "in").pk, "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=3)).isoformat(), "place": "三号会议室", "capacity": 20}


def requirement_api(w, t):
    return {"course_id": w.course.pk, "org_unit_id": w.unit(t).pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat()}


session_of = lambda w, t: w.session(t).pk  # noqa: E731
pending_of = lambda w, t: w.pending[t].pk  # noqa: E731

CASES: list[Case] = [
    # ---- learners
    Case("catalog:courses", "get", SIGNED_IN, page("catalog:courses")),
    Case("catalog:course", "get", SIGNED_IN, on("catalog:course", lambda w, t: w.course.pk)),
    Case("catalog:enrol", "post", LEARN, on("catalog:enrol", lambda w, t: w.session("in").pk), ok=302,
         writes=True),
    *[Case("catalog:my_enrolment_cancel", "post", LEARN, on("catalog:my_enrolment_cancel", World.enrolment_of),
           target=t, ok=302, writes=True) for t in ("own", "in", "out")],
    Case("catalog:my_courses", "get", LEARN, page("catalog:my_courses")),
    Case("catalog:my_progress", "get", LEARN, page("catalog:my_progress")),
    # ---- courses and categories (the organisation's, for any training admin)
    Case("catalog:manage_courses", "get", MANAGE_CATALOG, page("catalog:manage_courses")),
    Case("catalog:course_create", "get", MANAGE_CATALOG, page("catalog:course_create")),
    Case("catalog:course_create", "post", MANAGE_CATALOG, page("catalog:course_create"), data=new_course_form,
         ok=302, writes=True),
    Case("catalog:course_edit", "get", MANAGE_CATALOG, on("catalog:course_edit", lambda w, t: w.course.pk)),
    Case("catalog:course_edit", "post", MANAGE_CATALOG, on("catalog:course_edit", lambda w, t: w.course.pk),
         data=course_form, ok=302, writes=True),
    Case("catalog:material_add", "get", MANAGE_CATALOG, on("catalog:material_add", lambda w, t: w.course.pk)),
    Case("catalog:material_add", "post", MANAGE_CATALOG, on("catalog:material_add", lambda w, t: w.course.pk),
         data=material_file, ok=302, writes=True),
    Case("catalog:material_delete", "post", MANAGE_CATALOG,
         on("catalog:material_delete", lambda w, t: w.material.pk), ok=302, writes=True),
    Case("catalog:categories", "get", MANAGE_CATALOG, page("catalog:categories")),
    Case("catalog:categories", "post", MANAGE_CATALOG, page("catalog:categories"),
         data=lambda w, t: {"name": "管理能力", "parent": ""}, ok=302, writes=True),
    Case("catalog:category_edit", "get", MANAGE_CATALOG, on("catalog:category_edit", lambda w, t: w.category.pk)),
    Case("catalog:category_edit", "post", MANAGE_CATALOG, on("catalog:category_edit", lambda w, t: w.category.pk),
         data=lambda w, t: {"name": "安全生产", "parent": w.category.parent_id}, ok=302, writes=True),
    Case("catalog:category_delete", "post", MANAGE_CATALOG,
         on("catalog:category_delete", lambda w, t: w.empty_category.pk), ok=302, writes=True),
    # ---- sessions and rosters (by organising unit)
    Case("catalog:sessions", "get", MANAGE_CATALOG, page("catalog:sessions")),
    Case("catalog:session_create", "get", MANAGE_CATALOG, page("catalog:session_create")),
    Case("catalog:session_create", "post", MANAGE_CATALOG, page("catalog:session_create"), data=session_form,
         ok=302, writes=True),
    *scoped(url_name="catalog:session_edit", method="get", need=MANAGE_CATALOG,
            url=on("catalog:session_edit", session_of)),
    *scoped(url_name="catalog:session_edit", method="post", need=MANAGE_CATALOG,
            url=on("catalog:session_edit", session_of), data=session_form, ok=302, writes=True),
    *scoped(url_name="catalog:session_cancel", method="post", need=MANAGE_CATALOG,
            url=on("catalog:session_cancel", session_of), ok=302, writes=True),
    *scoped(url_name="catalog:roster", method="get", need=MANAGE_CATALOG, url=on("catalog:roster", session_of)),
    *scoped(url_name="catalog:roster_assign", method="post", need=MANAGE_CATALOG,
            url=on("catalog:roster_assign", session_of), data=lambda w, t: {"people": w.person(t).employee_no},
            ok=302, writes=True),
    *scoped(url_name="catalog:enrolment_approve", method="post", need=MANAGE_CATALOG,
            url=on("catalog:enrolment_approve", pending_of), ok=302, writes=True),
    *scoped(url_name="catalog:enrolment_reject", method="post", need=MANAGE_CATALOG,
            url=on("catalog:enrolment_reject", pending_of), data=lambda w, t: {"note": "名额已满"}, ok=302,
            writes=True),
    *scoped(url_name="catalog:enrolment_cancel", method="post", need=MANAGE_CATALOG,
            url=on("catalog:enrolment_cancel", lambda w, t: w.seated[t].pk), ok=302, writes=True),
    *scoped(url_name="catalog:enrolment_move", method="post", need=MANAGE_CATALOG,
            url=on("catalog:enrolment_move", lambda w, t: w.waiting[t][1].pk), data=lambda w, t: {"direction": "up"},
            ok=302, writes=True),
    # ---- requirements
    Case("catalog:requirements", "get", MANAGE_CATALOG, page("catalog:requirements")),
    Case("catalog:assignment_create", "get", MANAGE_CATALOG, page("catalog:assignment_create")),
    Case("catalog:assignment_create", "post", MANAGE_CATALOG, page("catalog:assignment_create"),
         data=assignment_form, ok=302, writes=True),
    *scoped(url_name="catalog:assignment_delete", method="post", need=MANAGE_CATALOG,
            url=on("catalog:assignment_delete", lambda w, t: w.assignments[t].pk), ok=302, writes=True),
    # the organisation-wide share of required credits: a whole-organisation training admin only
    Case("catalog:policy", "post", MANAGE_CATALOG, page("catalog:policy"),
         data=lambda w, t: {"required_share_percent": "50"}, ok=302, writes=True,
         overrides=(("training_admin", 403),)),
    # ---- gaps
    Case("catalog:gap_report", "get", SEE_LEARNING, page("catalog:gap_report")),
    *scoped(url_name="catalog:person_gap", method="get", need=SEE_LEARNING,
            url=on("catalog:person_gap", lambda w, t: w.person(t).pk)),
    # ---- API
    api_case("GET /api/v1/courses", "list_courses", SIGNED_IN, lambda w, t: f"{API}/courses"),
    api_case("GET /api/v1/courses/{code}", "get_course", SIGNED_IN, lambda w, t: f"{API}/courses/SAFE-01"),
    api_case("GET /api/v1/sessions", "list_sessions", SIGNED_IN, lambda w, t: f"{API}/sessions"),
    api_case("GET /api/v1/sessions/{session_id}", "get_session", SIGNED_IN,
             lambda w, t: f"{API}/sessions/{w.session('in').pk}"),
    api_case("POST /api/v1/sessions/{session_id}/enrolments", "enrol_in_session", LEARN,
             lambda w, t: f"{API}/sessions/{w.session('in').pk}/enrolments", ok=201, writes=True),
    *[api_case("POST /api/v1/enrolments/{enrolment_id}/cancel", "cancel_my_enrolment", LEARN,
               lambda w, t: f"{API}/enrolments/{w.enrolment_of(t)}/cancel", target=t, writes=True)
      for t in ("own", "in", "out")],
    api_case("GET /api/v1/enrolments/mine", "my_enrolments", SIGNED_IN, lambda w, t: f"{API}/enrolments/mine"),
    *api_scoped("GET /api/v1/people/{employee_no}/learning-gap", "get_learning_gap", SEE_LEARNING,
                lambda w, t: f"{API}/people/{w.person(t).employee_no}/learning-gap"),
    # ---- API: managing the catalogue (jifen/catalog/api_manage.py), as the pages above
    api_case("GET /api/v1/catalog/courses", "catalog_manage_courses", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/courses"),
    api_case("POST /api/v1/catalog/courses", "catalog_course_create", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/courses", ok=201, writes=True,
             data=lambda w, t: {"code": "COMM-02", "title": "沟通技巧", "category_id": w.category.pk, "credits": 2}),
    api_case("GET /api/v1/catalog/courses/{course_id}", "catalog_course", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/courses/{w.course.pk}"),
    api_case("PATCH /api/v1/catalog/courses/{course_id}", "catalog_course_edit", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/courses/{w.course.pk}", data=lambda w, t: {"title": "安全生产（修订）"},
             writes=True),
    api_case("POST /api/v1/catalog/courses/{course_id}/materials", "catalog_material_add", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/courses/{w.course.pk}/materials", data=material_file, ok=201,
             writes=True),
    api_case("DELETE /api/v1/catalog/materials/{material_id}", "catalog_material_delete", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/materials/{w.material.pk}", ok=204, writes=True),
    api_case("GET /api/v1/catalog/categories", "catalog_categories", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/categories"),
    api_case("POST /api/v1/catalog/categories", "catalog_category_create", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/categories", data=lambda w, t: {"name": "管理能力"}, ok=201, writes=True),
    api_case("PUT /api/v1/catalog/categories/{category_id}", "catalog_category_edit", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/categories/{w.category.pk}",
             data=lambda w, t: {"name": "安全生产", "parent_id": w.category.parent_id}, writes=True),
    api_case("DELETE /api/v1/catalog/categories/{category_id}", "catalog_category_delete", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/categories/{w.empty_category.pk}", ok=204, writes=True),
    api_case("GET /api/v1/catalog/sessions", "catalog_manage_sessions", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/sessions"),
    *api_scoped("POST /api/v1/catalog/sessions", "catalog_session_create", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions", data=session_api, ok=201, writes=True),
    *api_scoped("GET /api/v1/catalog/sessions/{session_id}", "catalog_session", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions/{session_of(w, t)}"),
    *api_scoped("PATCH /api/v1/catalog/sessions/{session_id}", "catalog_session_edit", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions/{session_of(w, t)}", data=lambda w, t: {"capacity": 5},
                writes=True),
    *api_scoped("POST /api/v1/catalog/sessions/{session_id}/cancel", "catalog_session_cancel", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions/{session_of(w, t)}/cancel", writes=True),
    *api_scoped("GET /api/v1/catalog/sessions/{session_id}/roster", "catalog_roster", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions/{session_of(w, t)}/roster"),
    *api_scoped("POST /api/v1/catalog/sessions/{session_id}/roster", "catalog_roster_assign", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/sessions/{session_of(w, t)}/roster",
                data=lambda w, t: {"people": [w.person(t).employee_no]}, writes=True),
    *api_scoped("POST /api/v1/catalog/enrolments/{enrolment_id}/approve", "catalog_enrolment_approve",
                MANAGE_CATALOG, lambda w, t: f"{API}/catalog/enrolments/{pending_of(w, t)}/approve", writes=True),
    *api_scoped("POST /api/v1/catalog/enrolments/{enrolment_id}/reject", "catalog_enrolment_reject",
                MANAGE_CATALOG, lambda w, t: f"{API}/catalog/enrolments/{pending_of(w, t)}/reject",
                data=lambda w, t: {"note": "名额已满"}, writes=True),
    *api_scoped("POST /api/v1/catalog/enrolments/{enrolment_id}/cancel", "catalog_enrolment_cancel",
                MANAGE_CATALOG, lambda w, t: f"{API}/catalog/enrolments/{w.seated[t].pk}/cancel", writes=True),
    *api_scoped("POST /api/v1/catalog/enrolments/{enrolment_id}/move", "catalog_enrolment_move", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/enrolments/{w.waiting[t][1].pk}/move",
                data=lambda w, t: {"direction": "up"}, writes=True),
    api_case("GET /api/v1/catalog/requirements", "catalog_requirements", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/requirements"),
    *api_scoped("POST /api/v1/catalog/requirements", "catalog_requirement_create", MANAGE_CATALOG,
                lambda w, t: f"{API}/catalog/requirements", data=requirement_api, ok=201, writes=True),
    *api_scoped("DELETE /api/v1/catalog/requirements/{requirement_id}", "catalog_requirement_delete",
                MANAGE_CATALOG, lambda w, t: f"{API}/catalog/requirements/{w.assignments[t].pk}", ok=204,
                writes=True),
    api_case("GET /api/v1/catalog/policy", "catalog_policy", MANAGE_CATALOG, lambda w, t: f"{API}/catalog/policy"),
    # the organisation-wide share of required credits: a whole-organisation training admin only
    api_case("PUT /api/v1/catalog/policy", "catalog_policy_edit", MANAGE_CATALOG,
             lambda w, t: f"{API}/catalog/policy", data=lambda w, t: {"required_share_percent": 50}, writes=True,
             overrides=(("training_admin", 403),)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_every_catalog_page_and_endpoint(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)


def test_every_catalog_url_and_operation_is_in_this_matrix():
    from django.urls import get_resolver

    from jifen.org.tests.test_permission_matrix import _url_names

    names = {n for n in _url_names(get_resolver().url_patterns) if n.startswith("catalog:")}
    assert names == {c.url_name for c in CASES if c.url_name.startswith("catalog:")}
    from jifen.api.api import api

    operations = {f"{m.upper()} {p}" for p, methods in api.get_openapi_schema()["paths"].items() for m in methods}
    assert {c.api_op for c in CASES if c.api_op} <= operations
    router_ops = {f"{m} /api/v1{path}" for path, view in router_paths() for m in view}
    assert router_ops == {c.api_op for c in CASES if c.api_op}


def router_paths():
    from jifen.catalog.api import router
    from jifen.catalog.api_manage import router as manage_router

    for each in (router, manage_router):
        for path, operations in each.path_operations.items():
            yield path, [method for operation in operations.operations for method in operation.methods]


def test_a_subtree_training_admin_sees_only_the_sessions_their_units_organise(client, world):
    client.force_login(world.users["training_admin"])
    body = client.get(reverse("catalog:sessions")).content.decode()
    assert reverse("catalog:roster", args=[world.session("in").pk]) in body
    assert reverse("catalog:roster", args=[world.session("out").pk]) not in body
