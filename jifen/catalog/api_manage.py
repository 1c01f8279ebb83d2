"""Managing the catalogue over the API: courses, sessions, categories, materials, requirements, policy and
rosters. The same services, forms and scope as the training admins' pages (jifen.catalog.views):

- courses, categories, materials, required-course assignments and the credit policy are configuration
  (admin token scope); sessions and their rosters are day-to-day work (write scope);
- sessions, rosters and assignments to units or people belong to the org unit that organises them: one
  outside the caller's CATALOG_MANAGE scope is a 404, as on the pages; the credit policy and assignments
  to positions are the whole organisation's.

Everything is under ``/catalog/``: ``/courses`` and ``/sessions`` are the learners' catalogue."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.api.tokens import admin_paths
from jifen.catalog import selectors, services
from jifen.catalog.forms import MaterialForm
from jifen.catalog.models import (
    Category,
    Course,
    CourseAssignment,
    CourseKind,
    CourseMaterial,
    CreditPolicy,
    Delivery,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.core.errors import ApplicationError
from jifen.org.models import OrgUnit, Person, Position
from jifen.org.permissions import Access, Perm, get_access

router = Router(tags=["catalogue management"])

# Configuration: writes need an admin token. Sessions and rosters stay with write scope.
admin_paths(r"^catalog/(courses|categories|materials|requirements|policy)")

MAX_PEOPLE = 500  # employee numbers in one call (trainers, people assigned to a session)


# ---------------------------------------------------------------- helpers


def _manager(request) -> Access:
    access = get_access(request)
    access.require(Perm.CATALOG_MANAGE)
    return access


def _refused(form) -> ApplicationError:
    """A page form's first error, as the API's refusal (same checks, same words)."""
    field, errors = next(iter(form.errors.items()))
    return ApplicationError(errors[0], field=None if field == "__all__" else field)


def _find_people(request, access: Access, numbers: list[str]) -> list[Person]:
    """The people named by employee number, all in reach; else a ready 404 answer naming the others."""
    numbers = sorted({number.strip() for number in numbers if number.strip()})
    people = list(selectors.people_in_reach(access=access).filter(employee_no__in=numbers))
    unknown = sorted(set(numbers) - {p.employee_no for p in people})
    if unknown:
        from jifen.api.api import problem

        raise _Answer(problem(request, 404, _("Not found."),
                              _("Not found in your scope: %(numbers)s.") % {"numbers": ", ".join(unknown)}))
    return people


class _Answer(Exception):  # not an error: a ready answer to return from deep in a helper
    def __init__(self, response):
        self.response = response


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _active_course(course_id: int) -> Course:
    course = Course.objects.filter(is_active=True, pk=course_id).first()
    if course is None:
        raise ApplicationError(_("Choose an active course."), field="course_id")
    return course


# ---------------------------------------------------------------- schemas


class CatalogPersonRefOut(Schema):
    employee_no: str
    name: str


class CatalogMaterialOut(Schema):
    id: int
    title: str
    file_name: str
    url: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_file_name(obj):
        return obj.file.name.rsplit("/", 1)[-1] if obj.file else ""

    @staticmethod
    def resolve_url(obj):
        return obj.file.url if obj.file else ""


class CatalogCourseManageOut(Schema):
    id: int
    code: str
    title: str
    category_id: int | None
    category: str | None
    kind: str
    delivery: str
    credits: float
    hours: float
    difficulty: float
    description: str
    recertify_months: int | None
    is_active: bool
    trainers: list[CatalogPersonRefOut]
    prerequisites: list[str] = Field(..., description="Course codes.")
    materials: list[CatalogMaterialOut]

    @staticmethod
    def resolve_category(obj):
        return obj.category.name_path if obj.category_id else None

    @staticmethod
    def resolve_trainers(obj):
        return sorted(obj.trainers.all(), key=lambda p: p.employee_no)

    @staticmethod
    def resolve_prerequisites(obj):
        return sorted(p.code for p in obj.prerequisites.all())

    @staticmethod
    def resolve_materials(obj):
        return list(obj.materials.all())


class CatalogCourseIn(Schema):
    code: str = Field(..., min_length=1, max_length=50)
    title: str = Field(..., min_length=1, max_length=200)
    category_id: int | None = None
    kind: CourseKind = CourseKind.ELECTIVE
    delivery: Delivery = Delivery.OFFLINE
    credits: Decimal = Field(Decimal(0), ge=0, max_digits=6, decimal_places=1)
    hours: Decimal = Field(Decimal(0), ge=0, max_digits=6, decimal_places=1)
    difficulty: Decimal = Field(Decimal(1), gt=0, max_digits=3, decimal_places=1,
                                description="A multiplier rules may apply, e.g. 1.0 basic, 1.5 advanced.")
    description: str = Field("", max_length=20_000)
    recertify_months: int | None = Field(None, ge=0, le=1200, description="null: once is enough.")
    is_active: bool = Field(True, description="false archives the course: it leaves the catalogue.")
    trainers: list[str] = Field([], max_length=MAX_PEOPLE, description="Employee numbers, in your scope.")
    prerequisites: list[str] = Field([], max_length=200, description="Course codes.")


class CatalogCoursePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=50)
    title: str | None = Field(None, min_length=1, max_length=200)
    category_id: int | None = Field(None, description="null: no category.")
    kind: CourseKind | None = None
    delivery: Delivery | None = None
    credits: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=1)
    hours: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=1)
    difficulty: Decimal | None = Field(None, gt=0, max_digits=3, decimal_places=1)
    description: str | None = Field(None, max_length=20_000)
    recertify_months: int | None = Field(None, ge=0, le=1200)
    is_active: bool | None = Field(None, description="false archives the course, true brings it back.")
    trainers: list[str] | None = Field(None, max_length=MAX_PEOPLE,
                                       description="Employee numbers in your scope; trainers outside it stay.")
    prerequisites: list[str] | None = Field(None, max_length=200, description="Course codes.")


class CatalogCourseFilter(Schema):
    q: str = Field("", max_length=200)
    category_id: int | None = None
    kind: CourseKind | None = None
    delivery: Delivery | None = None
    active: bool | None = Field(None, description="true: in the catalogue; false: archived; empty: all.")


class CatalogCategoryOut(Schema):
    id: int
    name: str
    name_path: str
    parent_id: int | None
    course_count: int


class CatalogCategoryIn(Schema):
    name: str = Field(..., max_length=100)
    parent_id: int | None = Field(None, description="null: top level.")


class CatalogSessionManageOut(Schema):
    id: int
    course_id: int
    course: str = Field(..., alias="course.code")
    title: str
    display_title: str
    org_unit_id: int
    org_unit: str = Field(..., alias="org_unit.name_path")
    trainer: CatalogPersonRefOut | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int | None
    enrolment_mode: str
    late_after_minutes: int
    checkin_opens_minutes: int
    status: str
    enrolled: int = Field(..., alias="enrolled_count")
    waiting: int = Field(..., alias="waiting_count")
    pending: int = Field(..., alias="pending_count")


class CatalogSessionIn(Schema):
    course_id: int
    title: str = Field("", max_length=200, description="Empty: the course title.")
    org_unit_id: int = Field(..., description="The organising unit, in your scope.")
    trainer: str | None = Field(None, max_length=32, description="The trainer's employee number.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field("", max_length=200)
    capacity: int | None = Field(None, ge=1, le=100_000, description="null: no limit.")
    enrolment_mode: EnrolmentMode = EnrolmentMode.SELF
    late_after_minutes: int = Field(10, ge=0, le=1440)
    checkin_opens_minutes: int = Field(30, ge=0, le=10_080)


class CatalogSessionPatch(Schema):
    course_id: int | None = None
    title: str | None = Field(None, max_length=200)
    org_unit_id: int | None = None
    trainer: str | None = Field(None, max_length=32, description="Employee number; null: no trainer.")
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=200)
    capacity: int | None = Field(None, ge=1, le=100_000, description="null: no limit.")
    enrolment_mode: EnrolmentMode | None = None
    late_after_minutes: int | None = Field(None, ge=0, le=1440)
    checkin_opens_minutes: int | None = Field(None, ge=0, le=10_080)


class CatalogSessionFilter(Schema):
    when: Literal["upcoming", "past"] = "upcoming"
    course_id: int | None = None


class CatalogRosterLineOut(Schema):
    id: int
    session_id: int
    employee_no: str = Field(..., alias="person.employee_no")
    name: str = Field(..., alias="person.name")
    org_unit: str = Field(..., alias="person.org_unit.name_path")
    status: str
    source: str
    waitlist_rank: int | None
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.username if obj.decided_by_id else None


class CatalogRosterAssignIn(Schema):
    people: list[str] = Field([], max_length=MAX_PEOPLE, description="Employee numbers, in your scope.")
    unit_id: int | None = Field(None, description="Everyone in this org unit and the units under it.")


class CatalogNoteIn(Schema):
    note: str = Field("", max_length=500)


class CatalogMoveIn(Schema):
    direction: Literal["up", "down"] = "up"


class CatalogRequirementOut(Schema):
    id: int
    course_id: int
    course: str = Field(..., alias="course.code")
    target: str
    org_unit_id: int | None
    org_unit: str | None
    position_id: int | None
    position: str | None
    employee_no: str | None
    due_on: dt.date
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_target(obj):
        return "unit" if obj.org_unit_id else "position" if obj.position_id else "person"

    @staticmethod
    def resolve_org_unit(obj):
        return obj.org_unit.name_path if obj.org_unit_id else None

    @staticmethod
    def resolve_position(obj):
        return obj.position.name if obj.position_id else None

    @staticmethod
    def resolve_employee_no(obj):
        return obj.person.employee_no if obj.person_id else None


class CatalogRequirementIn(Schema):
    course_id: int
    org_unit_id: int | None = Field(None, description="An org unit (and the units under it) in your scope.")
    position_id: int | None = Field(None, description="A position (a whole-organisation training admin only).")
    employee_no: str | None = Field(None, max_length=32, description="One person in your scope.")
    due_on: dt.date
    note: str = Field("", max_length=500)


class CatalogPolicyOut(Schema):
    required_share_percent: float = Field(..., description="Of the annual credit target, at least this share "
                                                           "must come from required courses.")
    updated_at: dt.datetime | None


class CatalogPolicyIn(Schema):
    required_share_percent: Decimal = Field(..., ge=0, le=100, max_digits=4, decimal_places=1)


# ---------------------------------------------------------------- courses


def _courses() -> QuerySet[Course]:
    return Course.objects.select_related("category").prefetch_related("trainers", "prerequisites", "materials")


def _course_out(pk: int) -> Course:
    return _courses().get(pk=pk)


def _prerequisites(codes: list[str]) -> list[Course]:
    codes = sorted({code.strip() for code in codes if code.strip()})
    found = list(Course.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {c.code for c in found})
    if unknown:
        raise ApplicationError(_("No course with this code: %(codes)s.") % {"codes": ", ".join(unknown)},
                               field="prerequisites")
    return found


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    found = Category.objects.filter(pk=category_id).first()
    if found is None:
        raise ApplicationError(_("No such category."), field="category_id")
    return found


@router.get("/catalog/courses", response=list[CatalogCourseManageOut], url_name="catalog_manage_courses")
@paginate(CursorPagination)
def manage_courses(request, filters: Query[CatalogCourseFilter]):
    """Every course, archived ones too, with trainers, prerequisites and materials."""
    _manager(request)
    category = get_object_or_404(Category, pk=filters.category_id) if filters.category_id else None
    found = selectors.course_catalogue(q=filters.q, category=category, kind=filters.kind or "",
                                       delivery=filters.delivery or "", active_only=False)
    if filters.active is not None:
        found = found.filter(is_active=filters.active)
    return found.prefetch_related("trainers", "prerequisites", "materials")


@router.post("/catalog/courses", response={201: CatalogCourseManageOut}, url_name="catalog_course_create")
def course_create(request, payload: CatalogCourseIn):
    """Add a course. A code already in use is refused."""
    access = _manager(request)
    try:
        trainers = _find_people(request, access, payload.trainers)
    except _Answer as answer:
        return answer.response
    data = payload.dict(exclude={"category_id", "trainers", "prerequisites"})
    course = services.course_create(category=_category(payload.category_id), trainers=trainers,
                                    prerequisites=_prerequisites(payload.prerequisites), **data)
    return Status(201, _course_out(course.pk))


@router.get("/catalog/courses/{course_id}", response=CatalogCourseManageOut, url_name="catalog_course")
def course_detail(request, course_id: int):
    _manager(request)
    return get_object_or_404(_courses(), pk=course_id)


@router.patch("/catalog/courses/{course_id}", response=CatalogCourseManageOut, url_name="catalog_course_edit")
def course_edit(request, course_id: int, payload: CatalogCoursePatch):
    """Change what is given. ``{"is_active": false}`` archives the course. Trainers outside your scope
    stay (you could not see them to remove them)."""
    access = _manager(request)
    course = get_object_or_404(Course, pk=course_id)
    given = payload.dict(exclude_unset=True)
    for name in ("code", "title", "kind", "delivery", "credits", "hours", "difficulty", "description", "is_active"):
        if name in given and given[name] is None:
            raise ApplicationError(_("This field cannot be empty."), field=name)
    trainers = prerequisites = None
    if given.get("trainers") is not None:
        try:
            picked = _find_people(request, access, given.pop("trainers"))
        except _Answer as answer:
            return answer.response
        kept = list(course.trainers.exclude(pk__in=selectors.people_in_reach(access=access).values("pk")))
        trainers = picked + kept
    given.pop("trainers", None)
    if given.get("prerequisites") is not None:
        prerequisites = _prerequisites(given.pop("prerequisites"))
    given.pop("prerequisites", None)
    if "category_id" in given:
        given["category"] = _category(given.pop("category_id"))
    services.course_update(course=course, trainers=trainers, prerequisites=prerequisites, **given)
    return _course_out(course.pk)


@router.post("/catalog/courses/{course_id}/materials", response={201: CatalogMaterialOut},
             url_name="catalog_material_add")
def material_add(request, course_id: int, file: File[UploadedFile], title: Form[str] = ""):
    """Attach a file (multipart ``file``, optional ``title``): PDF, Office, text, image, video or ZIP, at most
    50 MB, as on the course page."""
    _manager(request)
    course = get_object_or_404(Course, pk=course_id)
    form = MaterialForm({"title": title}, {"file": file})
    if not form.is_valid():
        raise _refused(form)
    try:
        material = services.material_add(course=course, title=form.cleaned_data["title"],
                                         file=form.cleaned_data["file"], uploaded_by=request.user)
    except DjangoValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=field if field != "__all__" else None) from error
    return Status(201, material)


@router.delete("/catalog/materials/{material_id}", response={204: None}, url_name="catalog_material_delete")
def material_delete(request, material_id: int):
    _manager(request)
    services.material_delete(material=get_object_or_404(CourseMaterial, pk=material_id))
    return Status(204, None)


# ---------------------------------------------------------------- categories


def _categories() -> QuerySet[Category]:
    return Category.objects.annotate(course_count=Count("courses"))


@router.get("/catalog/categories", response=list[CatalogCategoryOut], url_name="catalog_categories")
def list_categories(request):
    """The category tree, in order of full name (通用能力, 通用能力/安全, …)."""
    _manager(request)
    return list(_categories().order_by("name_path"))


def _parent(parent_id: int | None) -> Category | None:
    if parent_id is None:
        return None
    found = Category.objects.filter(pk=parent_id).first()
    if found is None:
        raise ApplicationError(_("No such category."), field="parent_id")
    return found


@router.post("/catalog/categories", response={201: CatalogCategoryOut}, url_name="catalog_category_create")
def category_create(request, payload: CatalogCategoryIn):
    _manager(request)
    made = services.category_create(name=payload.name, parent=_parent(payload.parent_id))
    return Status(201, _categories().get(pk=made.pk))


@router.put("/catalog/categories/{category_id}", response=CatalogCategoryOut, url_name="catalog_category_edit")
def category_edit(request, category_id: int, payload: CatalogCategoryIn):
    """Rename or move a category; the full names of everything under it follow."""
    _manager(request)
    category = get_object_or_404(Category, pk=category_id)
    services.category_update(category=category, name=payload.name, parent=_parent(payload.parent_id))
    return _categories().get(pk=category.pk)


@router.delete("/catalog/categories/{category_id}", response={204: None}, url_name="catalog_category_delete")
def category_delete(request, category_id: int):
    """Only an empty category (no courses, no subcategories) can be deleted."""
    _manager(request)
    services.category_delete(category=get_object_or_404(Category, pk=category_id))
    return Status(204, None)


# ---------------------------------------------------------------- sessions


def _managed_session(access: Access, pk: int) -> Session:
    return get_object_or_404(selectors.sessions_managed(access=access), pk=pk)


def _session_out(access: Access, pk: int) -> Session:
    return selectors.with_seats(selectors.sessions_managed(access=access).select_related(
        "course", "org_unit", "trainer")).get(pk=pk)


def _unit(access: Access, unit_id: int) -> OrgUnit:
    unit = access.units(Perm.CATALOG_MANAGE).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def _trainer(request, access: Access, number: str | None) -> Person | None:
    if not number:
        return None
    return _find_people(request, access, [number])[0]


@router.get("/catalog/sessions", response=list[CatalogSessionManageOut], url_name="catalog_manage_sessions")
@paginate(CursorPagination)
def manage_sessions(request, filters: Query[CatalogSessionFilter]):
    """Sessions organised by units in your scope: upcoming (soonest first) or past (latest first)."""
    access = _manager(request)
    now = timezone.now()
    found = selectors.sessions_managed(access=access).select_related("course", "org_unit", "trainer")
    if filters.course_id:
        found = found.filter(course_id=filters.course_id)
    found = found.filter(starts_at__gt=now).order_by("starts_at", "pk") if filters.when == "upcoming" else \
        found.filter(starts_at__lte=now).order_by("-starts_at", "-pk")
    return selectors.with_seats(found)


@router.post("/catalog/sessions", response={201: CatalogSessionManageOut}, url_name="catalog_session_create")
def session_create(request, payload: CatalogSessionIn):
    """Plan a session of an active course, organised by a unit in your scope."""
    access = _manager(request)
    unit = _unit(access, payload.org_unit_id)
    course = _active_course(payload.course_id)
    try:
        trainer = _trainer(request, access, payload.trainer)
    except _Answer as answer:
        return answer.response
    data = payload.dict(exclude={"course_id", "org_unit_id", "trainer", "starts_at", "ends_at"})
    made = services.session_create(course=course, org_unit=unit, trainer=trainer, starts_at=_aware(payload.starts_at),
                                   ends_at=_aware(payload.ends_at), **data)
    return Status(201, _session_out(access, made.pk))


@router.get("/catalog/sessions/{session_id}", response=CatalogSessionManageOut, url_name="catalog_session")
def session_detail(request, session_id: int):
    access = _manager(request)
    _managed_session(access, session_id)
    return _session_out(access, session_id)


@router.patch("/catalog/sessions/{session_id}", response=CatalogSessionManageOut, url_name="catalog_session_edit")
def session_edit(request, session_id: int, payload: CatalogSessionPatch):
    """Change what is given. A larger capacity lets the first people waiting in."""
    access = _manager(request)
    session = _managed_session(access, session_id)
    given = payload.dict(exclude_unset=True)
    for name in ("course_id", "org_unit_id", "starts_at", "ends_at", "title", "place", "enrolment_mode",
                 "late_after_minutes", "checkin_opens_minutes"):
        if name in given and given[name] is None:
            raise ApplicationError(_("This field cannot be empty."), field=name)
    fields = {}
    if "org_unit_id" in given:
        fields["org_unit"] = _unit(access, given.pop("org_unit_id"))
    if "course_id" in given:
        fields["course"] = _active_course(given.pop("course_id"))
    if "trainer" in given:
        try:
            fields["trainer"] = _trainer(request, access, given.pop("trainer"))
        except _Answer as answer:
            return answer.response
    for name in ("starts_at", "ends_at"):
        if name in given:
            given[name] = _aware(given[name])
    services.session_update(session=session, **fields, **given)
    return _session_out(access, session.pk)


@router.post("/catalog/sessions/{session_id}/cancel", response=CatalogSessionManageOut,
             url_name="catalog_session_cancel")
def session_cancel(request, session_id: int):
    """Cancel the session; everyone on its roster is taken off."""
    access = _manager(request)
    session = _managed_session(access, session_id)
    services.session_cancel(session=session, by=request.user)
    return _session_out(access, session.pk)


# ---------------------------------------------------------------- rosters


def _line(pk: int) -> Enrolment:
    return Enrolment.objects.select_related("person__org_unit", "decided_by").get(pk=pk)


@router.get("/catalog/sessions/{session_id}/roster", response=list[CatalogRosterLineOut],
            url_name="catalog_roster")
@paginate(CursorPagination)
def roster(request, session_id: int):
    """Everyone on the session's roster: awaiting approval, enrolled, waiting (in order), cancelled, rejected."""
    access = _manager(request)
    return selectors.roster(session=_managed_session(access, session_id))


@router.post("/catalog/sessions/{session_id}/roster", response=list[CatalogRosterLineOut],
             url_name="catalog_roster_assign")
def roster_assign(request, session_id: int, payload: CatalogRosterAssignIn):
    """Assign people (employee numbers) and/or everyone in an org unit: each gets a seat, or a place on the
    waitlist when the session is full. Answers the places made (people already in keep theirs)."""
    access = _manager(request)
    session = _managed_session(access, session_id)
    if not payload.people and payload.unit_id is None:
        raise ApplicationError(_("Name some people or an org unit."), field="people")
    try:
        people = _find_people(request, access, payload.people)
    except _Answer as answer:
        return answer.response
    if payload.unit_id is not None:
        unit = _unit(access, payload.unit_id)
        people += list(selectors.people_in_reach(access=access).filter(org_unit__path__startswith=unit.path))
    made = services.enrolment_assign(session=session, people=people, by=request.user)
    return [_line(enrolment.pk) for enrolment in made]


def _managed_enrolment(access: Access, pk: int) -> Enrolment:
    return get_object_or_404(Enrolment.objects.select_related("session").filter(
        session__in=selectors.sessions_managed(access=access).values("pk")), pk=pk)


@router.post("/catalog/enrolments/{enrolment_id}/approve", response=CatalogRosterLineOut,
             url_name="catalog_enrolment_approve")
def enrolment_approve(request, enrolment_id: int):
    """Approve a request: a seat, or the waitlist when the session is full."""
    access = _manager(request)
    enrolment = _managed_enrolment(access, enrolment_id)
    services.enrolment_approve(enrolment=enrolment, by=request.user)
    return _line(enrolment.pk)


@router.post("/catalog/enrolments/{enrolment_id}/reject", response=CatalogRosterLineOut,
             url_name="catalog_enrolment_reject")
def enrolment_reject(request, enrolment_id: int, payload: CatalogNoteIn):
    """Turn down a request or a place on the waitlist, with a note the learner reads."""
    access = _manager(request)
    enrolment = _managed_enrolment(access, enrolment_id)
    services.enrolment_reject(enrolment=enrolment, by=request.user, note=payload.note)
    return _line(enrolment.pk)


@router.post("/catalog/enrolments/{enrolment_id}/cancel", response=CatalogRosterLineOut,
             url_name="catalog_enrolment_cancel")
def enrolment_cancel(request, enrolment_id: int, payload: CatalogNoteIn):
    """Take someone off the roster before the session starts; the first person waiting moves up."""
    access = _manager(request)
    enrolment = _managed_enrolment(access, enrolment_id)
    services.enrolment_cancel(enrolment=enrolment, by=request.user, note=payload.note)
    return _line(enrolment.pk)


@router.post("/catalog/enrolments/{enrolment_id}/move", response=CatalogRosterLineOut,
             url_name="catalog_enrolment_move")
def enrolment_move(request, enrolment_id: int, payload: CatalogMoveIn):
    """Swap someone waiting with the person before (``up``) or after (``down``) them."""
    access = _manager(request)
    enrolment = _managed_enrolment(access, enrolment_id)
    services.waitlist_move(enrolment=enrolment, up=payload.direction == "up")
    return _line(enrolment.pk)


# ---------------------------------------------------------------- requirements and the policy


def _requirement(pk: int) -> CourseAssignment:
    return CourseAssignment.objects.select_related("course", "org_unit", "position", "person").get(pk=pk)


@router.get("/catalog/requirements", response=list[CatalogRequirementOut], url_name="catalog_requirements")
@paginate(CursorPagination)
def list_requirements(request):
    """Required courses assigned to units or people in your scope, and to positions; soonest due first."""
    access = _manager(request)
    return selectors.assignments_visible(access=access).select_related("course", "org_unit", "position", "person").order_by(
        "due_on", "pk")


@router.post("/catalog/requirements", response={201: CatalogRequirementOut},
             url_name="catalog_requirement_create")
def requirement_create(request, payload: CatalogRequirementIn):
    """Make a course required, by a date, for exactly one of: an org unit (and the units under it), a
    position, or one person."""
    access = _manager(request)
    course = _active_course(payload.course_id)
    unit = _unit(access, payload.org_unit_id) if payload.org_unit_id is not None else None
    position = None
    if payload.position_id is not None:
        if not access.scope(Perm.CATALOG_MANAGE).everything:
            raise ApplicationError(_("Only a training admin of the whole organisation can make a course required "
                                     "for a position."), field="position_id")
        position = get_object_or_404(Position.objects.filter(is_active=True), pk=payload.position_id)
    person = None
    if payload.employee_no is not None:
        person = access.people(Perm.CATALOG_MANAGE).filter(employee_no=payload.employee_no.strip()).first()
        if person is None:
            from jifen.api.api import problem

            return problem(request, 404, _("Not found."), _("No one with this number in your scope."))
    made = services.assignment_create(course=course, due_on=payload.due_on, note=payload.note,
                                      created_by=request.user, org_unit=unit, position=position, person=person)
    return Status(201, _requirement(made.pk))


@router.delete("/catalog/requirements/{requirement_id}", response={204: None},
               url_name="catalog_requirement_delete")
def requirement_delete(request, requirement_id: int):
    access = _manager(request)
    services.assignment_delete(assignment=get_object_or_404(selectors.assignments_deletable(access=access), pk=requirement_id))
    return Status(204, None)


@router.get("/catalog/policy", response=CatalogPolicyOut, url_name="catalog_policy")
def policy(request):
    """The organisation's credit policy: the minimum share of the annual target from required courses."""
    _manager(request)
    return CreditPolicy.current()


@router.put("/catalog/policy", response=CatalogPolicyOut, url_name="catalog_policy_edit")
def policy_edit(request, payload: CatalogPolicyIn):
    """An organisation-wide setting: a training admin of the whole organisation only."""
    access = _manager(request)
    if not access.scope(Perm.CATALOG_MANAGE).everything:
        raise PermissionDenied
    return services.policy_update(required_share_percent=payload.required_share_percent)
