"""Every write to the organisation: units, positions, people, logins and roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.org.models import UNIT_PATH_SEPARATOR, OrgUnit, Person, Position, Role, RoleAssignment

User = get_user_model()


# ---------------------------------------------------------------- org units


def _clean_unit_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A unit needs a name."), field="name")
    if UNIT_PATH_SEPARATOR in name:
        raise ApplicationError(_("A unit name cannot contain “/”."), field="name")
    if len(name) > 100:
        raise ApplicationError(_("A unit name can have at most 100 characters."), field="name")
    return name


def _child_name_path(parent: OrgUnit | None, name: str) -> str:
    return f"{parent.name_path}{UNIT_PATH_SEPARATOR}{name}" if parent else name


def _check_name_free(name_path: str, *, exclude_pk: int | None = None) -> None:
    clash = OrgUnit.objects.filter(name_path=name_path)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ApplicationError(_("There is already a unit “%(path)s”.") % {"path": name_path}, field="name")


def _lock_unit(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.select_for_update().get(pk=unit.pk)


@transaction.atomic
def unit_create(
    *, name: str, parent: OrgUnit | None = None, kind: str = OrgUnit.Kind.DEPARTMENT, code: str = ""
) -> OrgUnit:
    name = _clean_unit_name(name)
    if parent is not None:
        parent = _lock_unit(parent)
        if parent.is_archived:
            raise ApplicationError(_("An archived unit cannot get new units."), field="parent")
    name_path = _child_name_path(parent, name)
    _check_name_free(name_path)
    fields = {"name": name, "name_path": name_path, "kind": kind, "code": (code or "").strip()}
    if parent is None:
        return OrgUnit.add_root(**fields)
    return parent.add_child(**fields)


def _rewrite_name_paths(unit: OrgUnit, old_prefix: str, new_prefix: str) -> None:
    """After a rename or move, every unit below gets its new full name."""
    subtree = OrgUnit.objects.filter(path__startswith=unit.path).only("pk", "name_path")
    changed = []
    for node in subtree:
        if node.name_path == old_prefix or node.name_path.startswith(old_prefix + UNIT_PATH_SEPARATOR):
            node.name_path = new_prefix + node.name_path[len(old_prefix) :]
            changed.append(node)
    # Two passes so a swap of names inside the subtree never trips the unique index midway.
    for node in changed:
        OrgUnit.objects.filter(pk=node.pk).update(name_path=f"\x00{node.pk}\x00{node.name_path}")
    for node in changed:
        OrgUnit.objects.filter(pk=node.pk).update(name_path=node.name_path)


@transaction.atomic
def unit_rename(*, unit: OrgUnit, name: str) -> OrgUnit:
    unit = _lock_unit(unit)
    name = _clean_unit_name(name)
    if name == unit.name:
        return unit
    parent = unit.get_parent()
    new_path = _child_name_path(parent, name)
    _check_name_free(new_path, exclude_pk=unit.pk)
    old_path = unit.name_path
    OrgUnit.objects.filter(pk=unit.pk).update(name=name)
    _rewrite_name_paths(unit, old_path, new_path)
    return OrgUnit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    unit = _lock_unit(unit)
    if new_parent is not None:
        new_parent = _lock_unit(new_parent)
        if new_parent.path.startswith(unit.path):
            raise ApplicationError(_("A unit cannot move into itself or below itself."), field="parent")
        if new_parent.is_archived:
            raise ApplicationError(_("A unit cannot move into an archived unit."), field="parent")
    current_parent = unit.get_parent()
    if (current_parent.pk if current_parent else None) == (new_parent.pk if new_parent else None):
        return unit
    new_path = _child_name_path(new_parent, unit.name)
    _check_name_free(new_path, exclude_pk=unit.pk)
    old_path = unit.name_path
    if new_parent is None:
        unit.move(OrgUnit.get_last_root_node(), pos="last-sibling")
    else:
        unit.move(new_parent, pos="last-child")
    unit = OrgUnit.objects.get(pk=unit.pk)
    _rewrite_name_paths(unit, old_path, new_path)
    return OrgUnit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_archive(*, unit: OrgUnit, now: dt.datetime | None = None) -> OrgUnit:
    """Archive a unit and everything below it. People must be moved out first."""
    unit = _lock_unit(unit)
    subtree = OrgUnit.objects.filter(path__startswith=unit.path)
    staffed = Person.objects.filter(org_unit__in=subtree).exclude(status=Person.Status.LEFT).count()
    if staffed:
        raise ApplicationError(
            _("%(count)d people still belong to this unit or units below it; move them first.")
            % {"count": staffed}
        )
    subtree.filter(archived_at__isnull=True).update(archived_at=now or timezone.now())
    return OrgUnit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_restore(*, unit: OrgUnit) -> OrgUnit:
    unit = _lock_unit(unit)
    parent = unit.get_parent()
    if parent is not None and parent.is_archived:
        raise ApplicationError(_("Restore the parent unit first."))
    OrgUnit.objects.filter(path__startswith=unit.path).update(archived_at=None)
    return OrgUnit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_ensure_path(*, name_path: str, cache: dict[str, OrgUnit] | None = None) -> OrgUnit:
    """The unit at "总部/研发中心/平台组", creating whatever is missing along the way."""
    parts = [p.strip() for p in name_path.split(UNIT_PATH_SEPARATOR)]
    if not parts or any(not p for p in parts):
        raise ApplicationError(_("“%(path)s” is not a unit path such as 总部/研发中心/平台组.") % {"path": name_path})
    cache = {} if cache is None else cache
    parent = None
    for depth in range(1, len(parts) + 1):
        prefix = UNIT_PATH_SEPARATOR.join(parts[:depth])
        unit = cache.get(prefix) or OrgUnit.objects.filter(name_path=prefix).first()
        if unit is None:
            kind = OrgUnit.Kind.COMPANY if depth == 1 else OrgUnit.Kind.DEPARTMENT if depth == 2 else OrgUnit.Kind.TEAM
            unit = unit_create(name=parts[depth - 1], parent=parent, kind=kind)
        elif unit.is_archived:
            raise ApplicationError(_("Unit “%(path)s” is archived.") % {"path": prefix})
        cache[prefix] = unit
        parent = unit
    return parent


# ---------------------------------------------------------------- positions


def _position_fields(name: str, code: str, job_level: str, annual_credit_target) -> dict:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A position needs a name."), field="name")
    try:
        target = Decimal(str(annual_credit_target))
    except (ArithmeticError, ValueError) as exc:
        raise ApplicationError(_("The credit target must be a number."), field="annual_credit_target") from exc
    if target < 0 or target > 100000:
        raise ApplicationError(
            _("The credit target must be between 0 and 100000."), field="annual_credit_target"
        )
    return {
        "name": name,
        "code": (code or "").strip(),
        "job_level": (job_level or "").strip(),
        "annual_credit_target": target,
    }


def _check_position_unique(fields: dict, exclude_pk: int | None = None) -> None:
    others = Position.objects.exclude(pk=exclude_pk) if exclude_pk else Position.objects.all()
    if others.filter(name=fields["name"]).exists():
        raise ApplicationError(_("There is already a position with this name."), field="name")
    if fields["code"] and others.filter(code=fields["code"]).exists():
        raise ApplicationError(_("There is already a position with this code."), field="code")


@transaction.atomic
def position_create(*, name: str, annual_credit_target=0, job_level: str = "", code: str = "") -> Position:
    fields = _position_fields(name, code, job_level, annual_credit_target)
    _check_position_unique(fields)
    return Position.objects.create(**fields)


@transaction.atomic
def position_update(
    *, position: Position, name: str, annual_credit_target, job_level: str = "", code: str = "",
    is_active: bool = True,
) -> Position:
    position = Position.objects.select_for_update().get(pk=position.pk)
    fields = _position_fields(name, code, job_level, annual_credit_target)
    _check_position_unique(fields, exclude_pk=position.pk)
    for key, value in fields.items():
        setattr(position, key, value)
    position.is_active = is_active
    position.save()
    return position


# ---------------------------------------------------------------- people


def check_manager(*, person: Person | None, manager: Person | None) -> None:
    """A manager must be someone else, and following managers upward must never come back."""
    if manager is None or person is None or person.pk is None:
        return
    if manager.pk == person.pk:
        raise ApplicationError(_("A person cannot be their own manager."), field="manager")
    seen = {person.pk}
    current_id = manager.pk
    while current_id is not None:
        if current_id in seen:
            raise ApplicationError(
                _("%(manager)s reports (directly or not) to %(person)s: that would be a cycle.")
                % {"manager": manager.name, "person": person.name},
                field="manager",
            )
        seen.add(current_id)
        current_id = Person.objects.filter(pk=current_id).values_list("manager_id", flat=True).first()


def _sync_login(person: Person) -> None:
    """Keep the person's login in step: same number, e-mail and name; no login once they leave."""
    user = person.user
    if user is None:
        user = User(username=person.employee_no)
        user.set_unusable_password()
    user.username = person.employee_no
    user.email = person.email
    user.first_name = person.name[:150]
    user.is_active = person.status != Person.Status.LEFT
    if user.email and User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise ApplicationError(_("Another login already uses this e-mail address."), field="email")
    if User.objects.filter(username=user.username).exclude(pk=user.pk).exists():
        raise ApplicationError(_("Another login already uses this number."), field="employee_no")
    user.save()
    if person.user_id != user.pk:
        person.user = user
        Person.objects.filter(pk=person.pk).update(user=user)


PERSON_FIELDS = ("employee_no", "name", "org_unit", "position", "manager", "hire_date", "status", "email", "phone")


def _validate_person(person: Person) -> None:
    person.employee_no = (person.employee_no or "").strip()
    person.name = (person.name or "").strip()
    person.email = (person.email or "").strip().lower()
    person.phone = (person.phone or "").strip()
    if not person.employee_no:
        raise ApplicationError(_("A person needs an employee or student number."), field="employee_no")
    if not person.name:
        raise ApplicationError(_("A person needs a name."), field="name")
    if person.org_unit_id is None:
        raise ApplicationError(_("A person needs an org unit."), field="org_unit")
    if person.org_unit.is_archived:
        raise ApplicationError(_("People cannot be placed in an archived unit."), field="org_unit")
    clash = Person.objects.filter(employee_no=person.employee_no)
    if person.pk:
        clash = clash.exclude(pk=person.pk)
    if clash.exists():
        raise ApplicationError(
            _("The number %(no)s is already used by someone else.") % {"no": person.employee_no},
            field="employee_no",
        )
    if person.email:
        email_clash = Person.objects.filter(email__iexact=person.email)
        if person.pk:
            email_clash = email_clash.exclude(pk=person.pk)
        if email_clash.exists():
            raise ApplicationError(_("Another person already uses this e-mail address."), field="email")
    check_manager(person=person, manager=person.manager)


@transaction.atomic
def person_create(
    *,
    employee_no: str,
    name: str,
    org_unit: OrgUnit,
    position: Position | None = None,
    manager: Person | None = None,
    hire_date: dt.date | None = None,
    status: str = Person.Status.ACTIVE,
    email: str = "",
    phone: str = "",
    password: str | None = None,
) -> Person:
    person = Person(
        employee_no=employee_no, name=name, org_unit=org_unit, position=position, manager=manager,
        hire_date=hire_date, status=status, email=email, phone=phone,
    )
    _validate_person(person)
    if status == Person.Status.LEFT:
        person.left_on = timezone.localdate()
    person.save()
    _sync_login(person)
    if password:
        person.user.set_password(password)
        person.user.save(update_fields=["password"])
    return person


@transaction.atomic
def person_update(*, person: Person, **changes) -> Person:
    """Change any of PERSON_FIELDS. Leaving keeps every record; the login is switched off."""
    person = Person.objects.select_for_update().select_related("user", "org_unit").get(pk=person.pk)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    old_status = person.status
    for key, value in changes.items():
        setattr(person, key, value)
    _validate_person(person)
    if person.status == Person.Status.LEFT and old_status != Person.Status.LEFT:
        person.left_on = timezone.localdate()
    elif person.status != Person.Status.LEFT:
        person.left_on = None
    person.save()
    _sync_login(person)
    return person


def person_set_password(*, person: Person, password: str) -> None:
    with transaction.atomic():
        _sync_login(person)
        person.user.set_password(password)
        person.user.save(update_fields=["password"])


# ---------------------------------------------------------------- roles


@transaction.atomic
def role_grant(*, user, role: str, scope: OrgUnit | None = None, granted_by=None) -> RoleAssignment:
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."), field="role")
    if role == Role.MANAGER and scope is None:
        raise ApplicationError(_("A manager role needs an org unit as its scope."), field="scope")
    existing = RoleAssignment.objects.filter(user=user, role=role, scope=scope).first()
    if existing:
        return existing
    return RoleAssignment.objects.create(user=user, role=role, scope=scope, granted_by=granted_by)


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    if assignment.role == Role.SYSTEM_ADMIN:
        others = RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN).exclude(pk=assignment.pk)
        if not others.exists() and not User.objects.filter(is_superuser=True, is_active=True).exists():
            raise ApplicationError(_("The last system admin cannot be removed."))
    assignment.delete()

