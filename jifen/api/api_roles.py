"""Role assignments of a person: the same checks and services as the person page (admin-scope tokens)."""

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.responses import Status

from jifen.org import selectors, services
from jifen.org.models import Person, Role, RoleAssignment
from jifen.org.permissions import Perm, get_access

router = Router(tags=["org"])


class RoleAssignmentOut(Schema):
    id: int
    role: Role
    scope_id: int | None = Field(None, description="The org unit; null for the whole organisation.")


class RoleGrantIn(Schema):
    role: Role
    scope_id: int | None = None


def _person(request, person_id: int) -> Person:
    access = get_access(request)
    access.require(Perm.ROLES_MANAGE)
    found = access.people(Perm.ROLES_MANAGE).filter(pk=person_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/people/{person_id}/roles", response=list[RoleAssignmentOut], summary="A person's roles")
def list_roles(request, person_id: int):
    found = _person(request, person_id)
    if found.user_id is None:
        return []
    return list(RoleAssignment.objects.filter(user_id=found.user_id).order_by("pk"))


@router.post("/people/{person_id}/roles", response={201: RoleAssignmentOut}, summary="Grant a role")
def grant_role(request, person_id: int, payload: RoleGrantIn):
    found = _person(request, person_id)
    scope = None
    if payload.scope_id is not None:
        scope = selectors.unit_choices(access=get_access(request)).filter(pk=payload.scope_id).first()
        if scope is None:
            raise Http404
    assignment = services.role_grant(user=services.person_ensure_login(person=found), role=payload.role,
                                     scope=scope, granted_by=request.user)
    return Status(201, assignment)


@router.delete("/people/{person_id}/roles/{assignment_id}", response={204: None}, summary="Remove a role")
def revoke_role(request, person_id: int, assignment_id: int):
    found = _person(request, person_id)
    assignment = RoleAssignment.objects.filter(pk=assignment_id, user_id=found.user_id).first()
    if assignment is None or found.user_id is None:
        raise Http404
    services.role_revoke(assignment=assignment)
    return Status(204, None)
