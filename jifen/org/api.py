"""Organisation endpoints: the same scope checks as the pages (jifen.org.permissions)."""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.org import selectors, services
from jifen.org.models import OrgUnit, Person, Position
from jifen.org.permissions import Perm, get_access

router = Router(tags=["organisation"])


class OrgUnitOut(Schema):
    id: int
    name: str
    name_path: str
    kind: str
    code: str
    depth: int
    archived: bool = Field(False, alias="is_archived")


class UnitIn(Schema):
    name: str
    parent_id: int | None = None
    kind: str = OrgUnit.Kind.DEPARTMENT
    code: str = ""


class UnitPatch(Schema):
    name: str | None = None
    parent_id: int | None = Field(None, description="Move under this unit.")
    move_to_top: bool = False
    archived: bool | None = None


class OrgPositionOut(Schema):
    id: int
    name: str
    code: str
    job_level: str
    annual_credit_target: Decimal
    is_active: bool


class PositionIn(Schema):
    name: str
    code: str = ""
    job_level: str = ""
    annual_credit_target: Decimal = Decimal(0)
    is_active: bool = True


class PersonOut(Schema):
    id: int
    employee_no: str
    name: str
    org_unit_id: int
    org_unit_path: str = Field(..., alias="org_unit.name_path")
    position_id: int | None
    manager_id: int | None
    hire_date: dt.date | None
    status: str
    email: str
    phone: str


class PersonIn(Schema):
    employee_no: str
    name: str
    org_unit_id: int
    position_id: int | None = None
    manager_no: str | None = None
    hire_date: dt.date | None = None
    status: Person.Status = Person.Status.ACTIVE
    email: str = ""
    phone: str = ""


class PersonPatch(Schema):
    employee_no: str | None = None
    name: str | None = None
    org_unit_id: int | None = None
    position_id: int | None = None
    manager_no: str | None = None
    hire_date: dt.date | None = None
    status: Person.Status | None = None
    email: str | None = None
    phone: str | None = None


class PeopleFilter(Schema):
    q: str = ""
    unit_id: int | None = None
    position_id: int | None = None
    status: Person.Status | None = None


class WhoAmIOut(Schema):
    user_id: int
    username: str
    person: PersonOut | None
    roles: list[str]


def _unit(access, perm, pk) -> OrgUnit:
    unit = access.units(perm).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _person(access, perm, pk) -> Person:
    person = access.people(perm).select_related("org_unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _manager(no: str | None) -> Person | None:
    if not no:
        return None
    manager = Person.objects.filter(employee_no=no).first()
    if manager is None:
        from django.utils.translation import gettext as _

        from jifen.core.errors import ApplicationError

        raise ApplicationError(_("No person has the number %(no)s.") % {"no": no}, field="manager_no")
    return manager


@router.get("/me", response=WhoAmIOut)
def me(request):
    access = get_access(request)
    person = selectors.person_detail(access=access, pk=access.person_id) if access.person_id else None
    return {"user_id": request.user.pk, "username": request.user.username, "person": person,
            "roles": sorted(access.roles)}


@router.get("/org/units", response=list[OrgUnitOut])
def list_units(request, parent_id: int | None = None, q: str = "", include_archived: bool = False):
    access = get_access(request)
    access.require(Perm.ORG_VIEW)
    if q:
        return selectors.unit_search(access=access, query=q)
    parent = _unit(access, Perm.ORG_VIEW, parent_id) if parent_id else None
    return selectors.unit_children(access=access, parent=parent, include_archived=include_archived)


@router.get("/org/units/{unit_id}", response=OrgUnitOut)
def get_unit(request, unit_id: int):
    access = get_access(request)
    access.require(Perm.ORG_VIEW)
    return _unit(access, Perm.ORG_VIEW, unit_id)


@router.post("/org/units", response={201: OrgUnitOut})
def create_unit(request, payload: UnitIn):
    access = get_access(request)
    access.require(Perm.ORG_MANAGE)
    parent = _unit(access, Perm.ORG_MANAGE, payload.parent_id) if payload.parent_id else None
    if parent is None and not access.scope(Perm.ORG_MANAGE).everything:
        raise Http404
    return services.unit_create(name=payload.name, parent=parent, kind=payload.kind, code=payload.code)


@router.patch("/org/units/{unit_id}", response=OrgUnitOut)
def update_unit(request, unit_id: int, payload: UnitPatch):
    access = get_access(request)
    access.require(Perm.ORG_MANAGE)
    unit = _unit(access, Perm.ORG_MANAGE, unit_id)
    if payload.name is not None:
        unit = services.unit_rename(unit=unit, name=payload.name)
    if payload.parent_id is not None:
        unit = services.unit_move(unit=unit, new_parent=_unit(access, Perm.ORG_MANAGE, payload.parent_id))
    elif payload.move_to_top:
        if not access.scope(Perm.ORG_MANAGE).everything:
            raise Http404
        unit = services.unit_move(unit=unit, new_parent=None)
    if payload.archived is True:
        unit = services.unit_archive(unit=unit)
    elif payload.archived is False:
        unit = services.unit_restore(unit=unit)
    return unit


@router.get("/positions", response=list[OrgPositionOut])
def list_positions(request):
    get_access(request).require(Perm.POSITIONS_VIEW)
    return selectors.position_list()


@router.post("/positions", response={201: OrgPositionOut})
def create_position(request, payload: PositionIn):
    get_access(request).require(Perm.POSITIONS_MANAGE)
    data = payload.dict()
    data.pop("is_active")
    return services.position_create(**data)


@router.put("/positions/{position_id}", response=OrgPositionOut)
def update_position(request, position_id: int, payload: PositionIn):
    get_access(request).require(Perm.POSITIONS_MANAGE)
    position = get_object_or_404(Position, pk=position_id)
    return services.position_update(position=position, **payload.dict())


@router.get("/people", response=list[PersonOut])
@paginate(CursorPagination)
def list_people(request, filters: Query[PeopleFilter]):
    access = get_access(request)
    access.require(Perm.PEOPLE_VIEW)
    unit = _unit(access, Perm.ORG_VIEW, filters.unit_id) if filters.unit_id else None
    position = get_object_or_404(Position, pk=filters.position_id) if filters.position_id else None
    return selectors.person_list(access=access, query=filters.q, unit=unit, position=position,
                                 status=filters.status or "")


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request, person_id: int):
    access = get_access(request)
    access.require(Perm.PEOPLE_VIEW)
    return _person(access, Perm.PEOPLE_VIEW, person_id)


@router.post("/people", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    access = get_access(request)
    access.require(Perm.PEOPLE_MANAGE)
    unit = _unit(access, Perm.PEOPLE_MANAGE, payload.org_unit_id)
    position = get_object_or_404(Position, pk=payload.position_id) if payload.position_id else None
    data = payload.dict(exclude={"org_unit_id", "position_id", "manager_no"})
    person = services.person_create(org_unit=unit, position=position, manager=_manager(payload.manager_no), **data)
    return Person.objects.select_related("org_unit").get(pk=person.pk)


@router.patch("/people/{person_id}", response=PersonOut)
def update_person(request, person_id: int, payload: PersonPatch):
    access = get_access(request)
    access.require(Perm.PEOPLE_MANAGE)
    person = _person(access, Perm.PEOPLE_MANAGE, person_id)
    changes = payload.dict(exclude_unset=True)
    if "org_unit_id" in changes:
        changes["org_unit"] = _unit(access, Perm.PEOPLE_MANAGE, changes.pop("org_unit_id"))
    if "position_id" in changes:
        position_id = changes.pop("position_id")
        changes["position"] = get_object_or_404(Position, pk=position_id) if position_id else None
    if "manager_no" in changes:
        changes["manager"] = _manager(changes.pop("manager_no"))
    services.person_update(person=person, **changes)
    return Person.objects.select_related("org_unit").get(pk=person.pk)
