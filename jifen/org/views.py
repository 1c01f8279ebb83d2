"""Organisation pages. Thin: parse, check permission and scope, call a service or selector, render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.org import selectors, services
from jifen.org.forms import (
    PeopleFilterForm,
    PersonForm,
    PositionForm,
    RoleForm,
    SetPasswordForm,
    UnitCreateForm,
    UnitMoveForm,
    UnitRenameForm,
)
from jifen.org.models import OrgUnit, Person, Position, RoleAssignment
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


def _unit_in_scope(access, perm, pk) -> OrgUnit:
    unit = access.units(perm).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _person_in_scope(access, perm, pk) -> Person:
    person = access.people(perm).select_related("org_unit", "user").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


# ---------------------------------------------------------------- people


@require_perm(Perm.PEOPLE_VIEW)
def people(request):
    access = get_access(request)
    form = PeopleFilterForm(request.GET or None, units=selectors.unit_choices(access=access))
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.person_list(
        access=access,
        query=filters.get("q") or "",
        unit=filters.get("unit"),
        position=filters.get("position"),
        status=filters.get("status") or "",
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_manage": access.has(Perm.PEOPLE_MANAGE)}
    template = "org/people.html#results" if request.htmx else "org/people.html"
    return TemplateResponse(request, template, context)


@require_perm(Perm.PEOPLE_VIEW)
def person(request, pk: int):
    access = get_access(request)
    found = selectors.person_detail(access=access, pk=pk)
    if found is None:
        raise Http404
    reports = access.people(Perm.PEOPLE_VIEW).filter(manager=found).select_related("position")
    can_manage = access.has(Perm.PEOPLE_MANAGE) and access.can_person(Perm.PEOPLE_MANAGE, found)
    roles = list(RoleAssignment.objects.filter(user_id=found.user_id).select_related("scope")
                 if found.user_id else [])
    for role in roles:
        # A role's scope is named only to those who may see that unit.
        role.scope_shown = role.scope is None or access.can_unit(Perm.ORG_VIEW, role.scope)
    return TemplateResponse(request, "org/person.html", {
        "person": found, "reports": reports[:50], "can_manage": can_manage,
        "can_manage_roles": access.has(Perm.ROLES_MANAGE), "roles": roles,
        "role_form": RoleForm(units=selectors.unit_choices(access=access)),
        "password_form": SetPasswordForm(),
    })


def _person_form(request, access, *, instance: Person | None):
    initial = None
    if instance is not None:
        initial = {
            "employee_no": instance.employee_no, "name": instance.name, "org_unit": instance.org_unit_id,
            "position": instance.position_id, "manager": instance.manager.employee_no if instance.manager else "",
            "hire_date": instance.hire_date, "status": instance.status, "email": instance.email,
            "phone": instance.phone,
        }
    return PersonForm(
        request.POST or None,
        initial=initial,
        units=selectors.unit_choices(access=access, perm=Perm.PEOPLE_MANAGE),
        # Any active person may be a manager, even from outside the editor's scope (a
        # department head often sits above it); the lookup only shows names in scope.
        managers=Person.objects.exclude(status=Person.Status.LEFT),
    )


@require_perm(Perm.PEOPLE_MANAGE)
def person_create(request):
    access = get_access(request)
    form = _person_form(request, access, instance=None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.person_create(**form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": created.name})
            return redirect("org:person", pk=created.pk)
    return TemplateResponse(request, "org/person_form.html", {"form": form, "person": None})


@require_perm(Perm.PEOPLE_MANAGE)
def person_edit(request, pk: int):
    access = get_access(request)
    found = _person_in_scope(access, Perm.PEOPLE_MANAGE, pk)
    form = _person_form(request, access, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=found, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("org:person", pk=found.pk)
    return TemplateResponse(request, "org/person_form.html", {"form": form, "person": found})


@require_perm(Perm.PEOPLE_MANAGE)
@require_POST
def person_password(request, pk: int):
    access = get_access(request)
    found = _person_in_scope(access, Perm.PEOPLE_MANAGE, pk)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        services.person_set_password(person=found, password=form.cleaned_data["password"])
        messages.success(request, _("A new password has been set for %(name)s.") % {"name": found.name})
    else:
        messages.error(request, " ".join(form.errors.get("password", [])))
    return redirect("org:person", pk=found.pk)


@require_perm(Perm.PEOPLE_VIEW)
def person_lookup(request):
    """Suggestions for a person field: <option>s for a datalist, searched within scope."""
    access = get_access(request)
    query = (request.GET.get("manager") or request.GET.get("employee_no") or request.GET.get("q") or "").strip()
    people = selectors.person_list(access=access, query=query).exclude(status=Person.Status.LEFT)[:20] if query else []
    return TemplateResponse(request, "org/person_options.html", {"people": people})


# ---------------------------------------------------------------- roles


@require_perm(Perm.ROLES_MANAGE)
@require_POST
def role_grant(request, pk: int):
    access = get_access(request)
    found = _person_in_scope(access, Perm.ROLES_MANAGE, pk)
    form = RoleForm(request.POST, units=selectors.unit_choices(access=access))
    if form.is_valid():
        try:
            services.role_grant(user=services.person_ensure_login(person=found), role=form.cleaned_data["role"],
                                scope=form.cleaned_data["scope"], granted_by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Role granted."))
    else:
        messages.error(request, _("Choose a role and, for a manager, an org unit."))
    return redirect("org:person", pk=found.pk)


@require_perm(Perm.ROLES_MANAGE)
@require_POST
def role_revoke(request, pk: int, assignment_pk: int):
    access = get_access(request)
    found = _person_in_scope(access, Perm.ROLES_MANAGE, pk)
    assignment = RoleAssignment.objects.filter(pk=assignment_pk, user_id=found.user_id).first()
    if assignment is None:
        raise Http404
    try:
        services.role_revoke(assignment=assignment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("org:person", pk=found.pk)


# ---------------------------------------------------------------- org units


@require_perm(Perm.ORG_VIEW)
def units(request):
    access = get_access(request)
    query = (request.GET.get("q") or "").strip()
    show_archived = request.GET.get("archived") == "1"
    context = {
        "query": query,
        "show_archived": show_archived,
        "results": selectors.unit_search(access=access, query=query) if query else None,
        "children": selectors.unit_children(access=access, parent=None, include_archived=show_archived),
        "can_manage": access.has(Perm.ORG_MANAGE),
    }
    if request.htmx and request.htmx.target == "unit-results":
        return TemplateResponse(request, "org/units.html#search-results", context)
    return TemplateResponse(request, "org/units.html", context)


@require_perm(Perm.ORG_VIEW)
def unit_children(request, pk: int):
    access = get_access(request)
    parent = _unit_in_scope(access, Perm.ORG_VIEW, pk)
    children = selectors.unit_children(access=access, parent=parent,
                                       include_archived=request.GET.get("archived") == "1")
    return TemplateResponse(request, "org/units.html#unit-branch",
                            {"children": children, "show_archived": request.GET.get("archived") == "1"})


@require_perm(Perm.ORG_VIEW)
def unit(request, pk: int):
    access = get_access(request)
    found = _unit_in_scope(access, Perm.ORG_VIEW, pk)
    can_manage = access.can_unit(Perm.ORG_MANAGE, found)
    manage_units = selectors.unit_choices(access=access, perm=Perm.ORG_MANAGE).exclude(
        path__startswith=found.path)
    top_level_allowed = access.scope(Perm.ORG_MANAGE).everything
    return TemplateResponse(request, "org/unit.html", {
        "unit": found,
        "ancestors": OrgUnit.objects.get_ancestors(found),
        "children": selectors.unit_children(access=access, parent=found, include_archived=True),
        "head_count": selectors.unit_subtree_head_count(found),
        "can_manage": can_manage,
        "can_see_people": access.has(Perm.PEOPLE_VIEW),
        "rename_form": UnitRenameForm(initial={"name": found.name}),
        "move_form": UnitMoveForm(units=manage_units, require_parent=not top_level_allowed,
                                  initial={"parent": OrgUnit.objects.get_parent(found)}),
        "child_form": UnitCreateForm(units=selectors.unit_choices(access=access, perm=Perm.ORG_MANAGE),
                                     initial={"parent": found.pk}),
    })


@require_perm(Perm.ORG_MANAGE)
def unit_create(request):
    access = get_access(request)
    top_level_allowed = access.scope(Perm.ORG_MANAGE).everything
    form = UnitCreateForm(request.POST or None, initial={"parent": request.GET.get("parent")},
                          units=selectors.unit_choices(access=access, perm=Perm.ORG_MANAGE),
                          require_parent=not top_level_allowed)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.unit_create(name=form.cleaned_data["name"], parent=form.cleaned_data["parent"],
                                           kind=form.cleaned_data["kind"], code=form.cleaned_data["code"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Unit %(name)s has been created.") % {"name": created.name_path})
            return redirect("org:unit", pk=created.pk)
    return TemplateResponse(request, "org/unit_form.html", {"form": form})


def _unit_action(request, pk: int, action):
    access = get_access(request)
    found = _unit_in_scope(access, Perm.ORG_MANAGE, pk)
    try:
        message = action(access, found)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if message:
            messages.success(request, message)
    return redirect("org:unit", pk=found.pk)


@require_perm(Perm.ORG_MANAGE)
@require_POST
def unit_rename(request, pk: int):
    def action(access, found):
        form = UnitRenameForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Give the unit a name of at most 100 characters."))
        services.unit_rename(unit=found, name=form.cleaned_data["name"])
        return _("The unit has been renamed.")

    return _unit_action(request, pk, action)


@require_perm(Perm.ORG_MANAGE)
@require_POST
def unit_move(request, pk: int):
    def action(access, found):
        top_level_allowed = access.scope(Perm.ORG_MANAGE).everything
        form = UnitMoveForm(request.POST, units=selectors.unit_choices(access=access, perm=Perm.ORG_MANAGE),
                            require_parent=not top_level_allowed)
        if not form.is_valid():
            raise ApplicationError(_("Choose a unit within your scope to move it under."))
        services.unit_move(unit=found, new_parent=form.cleaned_data["parent"])
        return _("The unit has been moved.")

    return _unit_action(request, pk, action)


@require_perm(Perm.ORG_MANAGE)
@require_POST
def unit_archive(request, pk: int):
    def action(access, found):
        if request.POST.get("restore"):
            services.unit_restore(unit=found)
            return _("The unit has been restored.")
        services.unit_archive(unit=found)
        return _("The unit and the units below it have been archived.")

    return _unit_action(request, pk, action)


# ---------------------------------------------------------------- positions


@require_perm(Perm.POSITIONS_VIEW)
def positions(request):
    access = get_access(request)
    return TemplateResponse(request, "org/positions.html", {
        "positions": selectors.position_list(),
        "can_manage": access.has(Perm.POSITIONS_MANAGE),
    })


@require_perm(Perm.POSITIONS_MANAGE)
def position_edit(request, pk: int | None = None):
    found = None
    if pk is not None:
        found = Position.objects.filter(pk=pk).first()
        if found is None:
            raise Http404
    initial = None
    if found is not None:
        initial = {"name": found.name, "code": found.code, "job_level": found.job_level,
                   "annual_credit_target": found.annual_credit_target, "is_active": found.is_active}
    form = PositionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if found is None:
                saved = services.position_create(name=data["name"], code=data["code"], job_level=data["job_level"],
                                                 annual_credit_target=data["annual_credit_target"])
            else:
                saved = services.position_update(position=found, **data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Position %(name)s saved.") % {"name": saved.name})
            return redirect("org:positions")
    return TemplateResponse(request, "org/position_form.html", {"form": form, "position": found})
