"""Catalog pages. Learners (phone first): the catalogue, a course with its sessions (enrol / cancel),
"my courses" and "my progress". Training admins: courses, categories, sessions and their rosters,
required-course assignments, and the gap report for people in scope. Thin: the rules live in
jifen.catalog.services and the reads in jifen.catalog.selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.catalog import selectors, services
from jifen.catalog.forms import (
    AssignmentForm,
    AssignPeopleForm,
    CatalogueFilterForm,
    CategoryForm,
    CourseForm,
    GapFilterForm,
    MaterialForm,
    NoteForm,
    PolicyForm,
    SessionForm,
)
from jifen.catalog.models import (
    Category,
    Course,
    CourseMaterial,
    CreditPolicy,
    Enrolment,
    Session,
)
from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.org.models import Person, Position
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _own_person(request) -> Person:
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # courses are taken by people; this login has no person record
    return Person.objects.select_related("org_unit", "position").get(pk=access.person_id)


def _refused(request, error: ApplicationError) -> None:
    messages.error(request, error.message)


# ---------------------------------------------------------------- learners


@login_required
def course_list(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_catalogue(q=filters.get("q", ""), category=filters.get("category"),
                                         kind=filters.get("kind", ""), delivery=filters.get("delivery", ""))
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "catalog/course_list.html", {
        "form": form, "page": page, "query": _query(request),
        "manage": get_access(request).has(Perm.CATALOG_MANAGE),
    })


@login_required
def course_detail(request, pk: int):
    access = get_access(request)
    manage = access.has(Perm.CATALOG_MANAGE)
    courses = Course.objects.select_related("category") if manage else Course.objects.filter(is_active=True)
    course = get_object_or_404(courses, pk=pk)
    sessions = list(selectors.upcoming_sessions(course=course))
    mine = {}
    missing = []
    if access.person_id is not None:
        mine = {e.session_id: e for e in Enrolment.objects.filter(person_id=access.person_id,
                                                                  session__in=[s.pk for s in sessions])}
        missing = services.missing_prerequisites(person=Person(pk=access.person_id), course=course)
    for session in sessions:
        session.mine = mine.get(session.pk)
        session.full = session.capacity is not None and session.enrolled_count >= session.capacity
    return TemplateResponse(request, "catalog/course_detail.html", {
        "course": course, "sessions": sessions, "missing": missing, "manage": manage,
        "prerequisites": list(course.prerequisites.all()), "materials": list(course.materials.all()),
        "has_person": access.person_id is not None,
    })


@login_required
@require_POST
def enrol(request, pk: int):
    person = _own_person(request)
    session = get_object_or_404(selectors.open_sessions().select_related("course"), pk=pk)
    try:
        enrolment = services.enrolment_self(session=session, person=person)
    except ApplicationError as error:
        _refused(request, error)
    else:
        text = {
            Enrolment.Status.PENDING: _("Your enrolment awaits approval by the training department."),
            Enrolment.Status.ENROLLED: _("You are enrolled."),
            Enrolment.Status.WAITLISTED: _("The session is full: you are on the waitlist, number %(rank)s.")
            % {"rank": enrolment.waitlist_rank},
        }[enrolment.status]
        messages.success(request, text)
    return redirect("catalog:course", pk=session.course_id)


@login_required
@require_POST
def my_enrolment_cancel(request, pk: int):
    person = _own_person(request)
    enrolment = get_object_or_404(Enrolment.objects.select_related("session"), pk=pk, person=person)
    try:
        services.enrolment_cancel(enrolment=enrolment, by=request.user)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your enrolment has been cancelled."))
    if request.POST.get("back") == "course":
        return redirect("catalog:course", pk=enrolment.session.course_id)
    return redirect("catalog:my_courses")


@login_required
def my_courses(request):
    person = _own_person(request)
    now = timezone.now()
    required = selectors.required_courses(person=person, now=now)
    enrolments = selectors.my_enrolments(person_id=person.pk)
    page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "catalog/my_courses.html", {
        "required": required, "page": page, "query": "", "now": now,
        "active": (Enrolment.Status.PENDING, Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED),
    })


@login_required
def my_progress(request):
    person = _own_person(request)
    gap = selectors.learning_gap(person=person)
    return TemplateResponse(request, "catalog/progress.html", {"gap": gap, "own": True})


# ---------------------------------------------------------------- courses and categories


def _trainer_choices(request):
    return selectors.people_in_reach(access=get_access(request)).order_by("employee_no")


@require_perm(Perm.CATALOG_MANAGE)
def manage_courses(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_catalogue(q=filters.get("q", ""), category=filters.get("category"),
                                         kind=filters.get("kind", ""), delivery=filters.get("delivery", ""),
                                         active_only=False)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "catalog/manage_courses.html", {"form": form, "page": page,
                                                                      "query": _query(request)})


def _course_form_page(request, course: Course | None):
    trainers = _trainer_choices(request)
    form = CourseForm(request.POST or None, instance=course, trainers=trainers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        picked = list(data.pop("trainers"))
        prerequisites = list(data.pop("prerequisites"))
        try:
            if course is None:
                saved = services.course_create(trainers=picked, prerequisites=prerequisites, **data)
            else:
                # trainers outside the editor's scope stay: the form could not show them
                kept = list(course.trainers.exclude(pk__in=trainers.values("pk")))
                saved = services.course_update(course=course, trainers=picked + kept, prerequisites=prerequisites,
                                               **data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("catalog:course", pk=saved.pk)
    materials = list(course.materials.all()) if course else []
    return TemplateResponse(request, "catalog/course_form.html", {
        "form": form, "course": course, "materials": materials, "material_form": MaterialForm()})


@require_perm(Perm.CATALOG_MANAGE)
def course_create(request):
    return _course_form_page(request, None)


@require_perm(Perm.CATALOG_MANAGE)
def course_edit(request, pk: int):
    return _course_form_page(request, get_object_or_404(Course, pk=pk))


@require_perm(Perm.CATALOG_MANAGE)
def material_add(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.material_add(course=course, title=form.cleaned_data["title"], file=form.cleaned_data["file"],
                              uploaded_by=request.user)
        messages.success(request, _("The material has been added."))
        return redirect("catalog:course_edit", pk=course.pk)
    return TemplateResponse(request, "catalog/material_form.html", {"form": form, "course": course})


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def material_delete(request, pk: int):
    material = get_object_or_404(CourseMaterial, pk=pk)
    services.material_delete(material=material)
    messages.success(request, _("The material has been removed."))
    return redirect("catalog:course_edit", pk=material.course_id)


@require_perm(Perm.CATALOG_MANAGE)
def categories(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(**form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The category has been added."))
            return redirect("catalog:categories")
    nodes = Category.objects.annotate(course_count=Count("courses")).order_by("name_path")
    return TemplateResponse(request, "catalog/categories.html", {"form": form, "categories": nodes})


@require_perm(Perm.CATALOG_MANAGE)
def category_edit(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(request.POST or None, initial={"name": category.name, "parent": category.parent})
    form.fields["parent"].queryset = Category.objects.exclude(
        Q(pk=category.pk) | Q(name_path__startswith=category.name_path + "/"))
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(category=category, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The category has been saved."))
            return redirect("catalog:categories")
    return TemplateResponse(request, "catalog/category_form.html", {"form": form, "category": category})


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def category_delete(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    try:
        services.category_delete(category=category)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The category has been deleted."))
    return redirect("catalog:categories")


# ---------------------------------------------------------------- sessions and rosters


def _managed_session(request, pk: int) -> Session:
    access = get_access(request)
    return get_object_or_404(selectors.sessions_managed(access=access).select_related("course", "org_unit"), pk=pk)


@require_perm(Perm.CATALOG_MANAGE)
def sessions(request):
    access = get_access(request)
    upcoming = request.GET.get("when", "upcoming") != "past"
    now = timezone.now()
    found = selectors.sessions_managed(access=access).select_related("course", "org_unit", "trainer")
    found = found.filter(starts_at__gt=now).order_by("starts_at", "pk") if upcoming else \
        found.filter(starts_at__lte=now).order_by("-starts_at", "-pk")
    page = Paginator(selectors.with_seats(found), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "catalog/sessions.html", {"page": page, "query": _query(request),
                                                                "upcoming": upcoming})


def _session_form_page(request, session: Session | None):
    access = get_access(request)
    units = access.units(Perm.CATALOG_MANAGE).order_by("path")
    initial = {}
    if session is not None:
        initial = {name: getattr(session, name) for name in services.SESSION_FIELDS}
        initial["starts_at"] = timezone.localtime(session.starts_at)
        initial["ends_at"] = timezone.localtime(session.ends_at)
    elif request.GET.get("course"):
        initial["course"] = request.GET.get("course")
    form = SessionForm(request.POST or None, initial=initial, units=units, trainers=_trainer_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            if session is None:
                saved = services.session_create(**form.cleaned_data)
            else:
                saved = services.session_update(session=session, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("catalog:roster", pk=saved.pk)
    return TemplateResponse(request, "catalog/session_form.html", {"form": form, "session": session})


@require_perm(Perm.CATALOG_MANAGE)
def session_create(request):
    return _session_form_page(request, None)


@require_perm(Perm.CATALOG_MANAGE)
def session_edit(request, pk: int):
    return _session_form_page(request, _managed_session(request, pk))


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def session_cancel(request, pk: int):
    session = _managed_session(request, pk)
    services.session_cancel(session=session, by=request.user)
    messages.success(request, _("The session has been cancelled; everyone on its roster was taken off."))
    return redirect("catalog:roster", pk=session.pk)


@require_perm(Perm.CATALOG_MANAGE)
def roster(request, pk: int):
    session = _managed_session(request, pk)
    access = get_access(request)
    form = AssignPeopleForm(units=access.units(Perm.CATALOG_MANAGE).order_by("path"))
    return _roster_page(request, session, form)


def _roster_page(request, session: Session, form):
    enrolments = list(selectors.roster(session=session))
    session_seats = selectors.with_seats(Session.objects.filter(pk=session.pk)).get()
    return TemplateResponse(request, "catalog/roster.html", {
        "session": session, "seats": session_seats, "form": form, "enrolments": enrolments,
        "now": timezone.now(),
    })


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def roster_assign(request, pk: int):
    session = _managed_session(request, pk)
    access = get_access(request)
    form = AssignPeopleForm(request.POST, units=access.units(Perm.CATALOG_MANAGE).order_by("path"))
    if form.is_valid():
        in_scope = selectors.people_in_reach(access=access)
        numbers = form.cleaned_data["people"]
        people = list(in_scope.filter(employee_no__in=numbers))
        unknown = sorted(set(numbers) - {p.employee_no for p in people})
        if unknown:
            form.add_error("people", _("Not found in your scope: %(numbers)s.") % {"numbers": ", ".join(unknown)})
        else:
            if form.cleaned_data.get("unit"):
                people += list(in_scope.filter(org_unit__path__startswith=form.cleaned_data["unit"].path))
            try:
                made = services.enrolment_assign(session=session, people=people, by=request.user)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("%(count)d people assigned.") % {"count": len(made)})
                return redirect("catalog:roster", pk=session.pk)
    return _roster_page(request, session, form)


def _managed_enrolment(request, pk: int) -> Enrolment:
    access = get_access(request)
    return get_object_or_404(Enrolment.objects.select_related("session").filter(
        session__in=selectors.sessions_managed(access=access).values("pk")), pk=pk)


def _decide(request, pk: int, action):
    enrolment = _managed_enrolment(request, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        action(enrolment=enrolment, by=request.user, note=note)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("catalog:roster", pk=enrolment.session_id)


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def enrolment_approve(request, pk: int):
    return _decide(request, pk, lambda *, enrolment, by, note: services.enrolment_approve(enrolment=enrolment,
                                                                                          by=by))


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def enrolment_reject(request, pk: int):
    return _decide(request, pk, services.enrolment_reject)


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def enrolment_cancel(request, pk: int):
    return _decide(request, pk, services.enrolment_cancel)


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def enrolment_move(request, pk: int):
    up = request.POST.get("direction", "up") != "down"
    return _decide(request, pk, lambda *, enrolment, by, note: services.waitlist_move(enrolment=enrolment, up=up))


# ---------------------------------------------------------------- requirements


@require_perm(Perm.CATALOG_MANAGE)
def requirements(request):
    access = get_access(request)
    found = selectors.assignments_visible(access=access).select_related(
        "course", "org_unit", "position", "person").order_by("due_on", "pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    policy = CreditPolicy.current()
    everything = access.scope(Perm.CATALOG_MANAGE).everything
    return TemplateResponse(request, "catalog/requirements.html", {
        "page": page, "query": _query(request), "policy": policy, "everything": everything,
        "policy_form": PolicyForm(initial={"required_share_percent": policy.required_share_percent}),
        "positions": Position.objects.filter(is_active=True).order_by("name"),
    })


@require_perm(Perm.CATALOG_MANAGE)
def assignment_create(request):
    access = get_access(request)
    everything = access.scope(Perm.CATALOG_MANAGE).everything
    positions = Position.objects.filter(is_active=True).order_by("name") if everything else Position.objects.none()
    form = AssignmentForm(request.POST or None, units=access.units(Perm.CATALOG_MANAGE).order_by("path"),
                          positions=positions)
    if not everything:
        form.fields["target"].choices = [c for c in form.fields["target"].choices if c[0] != "position"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["target"] == "person":
            person = access.people(Perm.CATALOG_MANAGE).filter(employee_no=data["employee_no"].strip()).first()
            if person is None:
                form.add_error("employee_no", _("No one with this number in your scope."))
        if not form.errors:
            try:
                services.assignment_create(
                    course=data["course"], due_on=data["due_on"], note=data["note"], created_by=request.user,
                    org_unit=data["org_unit"] if data["target"] == "unit" else None,
                    position=data["position"] if data["target"] == "position" else None,
                    person=person)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The required course has been assigned."))
                return redirect("catalog:requirements")
    return TemplateResponse(request, "catalog/assignment_form.html", {"form": form})


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def assignment_delete(request, pk: int):
    access = get_access(request)
    assignment = get_object_or_404(selectors.assignments_deletable(access=access), pk=pk)
    services.assignment_delete(assignment=assignment)
    messages.success(request, _("The assignment has been removed."))
    return redirect("catalog:requirements")


@require_perm(Perm.CATALOG_MANAGE)
@require_POST
def policy_edit(request):
    if not get_access(request).scope(Perm.CATALOG_MANAGE).everything:
        raise PermissionDenied  # an organisation-wide setting
    form = PolicyForm(request.POST)
    if form.is_valid():
        services.policy_update(**form.cleaned_data)
        messages.success(request, _("The credit policy has been saved."))
    else:
        messages.error(request, _("The share must be between 0 and 100 %."))
    return redirect("catalog:requirements")


# ---------------------------------------------------------------- gaps


@require_perm(Perm.LEARNING_VIEW)
def gap_report(request):
    access = get_access(request)
    units = access.units(Perm.LEARNING_VIEW).order_by("path")
    form = GapFilterForm(request.GET or None, units=units)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.gap_people(access=access, q=filters.get("q", ""), unit=filters.get("unit"))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.gap_rows(people=list(page.object_list))
    return TemplateResponse(request, "catalog/gap_report.html", {
        "form": form, "page": page, "rows": rows, "query": _query(request), "year": timezone.localdate().year,
    })


@require_perm(Perm.LEARNING_VIEW)
def person_gap(request, pk: int):
    access = get_access(request)
    person = get_object_or_404(access.people(Perm.LEARNING_VIEW).select_related("org_unit", "position"), pk=pk)
    if person.pk == access.person_id:
        return redirect("catalog:my_progress")
    gap = selectors.learning_gap(person=person)
    return TemplateResponse(request, "catalog/progress.html", {"gap": gap, "own": False})

