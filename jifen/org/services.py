"""Every write to the organisation: units, positions, people, logins and roles."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.db import update_in_bulk
from jifen.core.errors import ApplicationError
from jifen.org.models import UNIT_PATH_SEPARATOR, OrgUnit, Person, Position, Role, RoleAssignment
from jifen.org.signals import people_changed

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
        return OrgUnit.objects.add_root(fields)
    return OrgUnit.objects.add_child(parent, fields)


def _rewrite_name_paths(unit: OrgUnit, old_prefix: str, new_prefix: str) -> None:
    """After a rename or move, every unit below gets its new full name."""
    subtree = OrgUnit.objects.filter(path__startswith=unit.path).only("pk", "name_path")
    changed = []
    for node in subtree:
        if node.name_path == old_prefix or node.name_path.startswith(old_prefix + UNIT_PATH_SEPARATOR):
            node.name_path = new_prefix + node.name_path[len(old_prefix) :]
            changed.append(node)
    # Two passes so a swap of names inside the subtree never trips the unique index midway.
    # The stand-in "/<pk>" is unique and never a real full name (those never start with "/");
    # no NUL byte: PostgreSQL refuses those in text.
    for node in changed:
        OrgUnit.objects.filter(pk=node.pk).update(name_path=f"{UNIT_PATH_SEPARATOR}{node.pk}")
    for node in changed:
        OrgUnit.objects.filter(pk=node.pk).update(name_path=node.name_path)


@transaction.atomic
def unit_rename(*, unit: OrgUnit, name: str) -> OrgUnit:
    unit = _lock_unit(unit)
    name = _clean_unit_name(name)
    if name == unit.name:
        return unit
    parent = OrgUnit.objects.get_parent(unit)
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
    current_parent = OrgUnit.objects.get_parent(unit)
    if (current_parent.pk if current_parent else None) == (new_parent.pk if new_parent else None):
        return unit
    new_path = _child_name_path(new_parent, unit.name)
    _check_name_free(new_path, exclude_pk=unit.pk)
    old_path = unit.name_path
    if new_parent is None:
        OrgUnit.objects.move(unit, OrgUnit.objects.get_last_root_node(), pos="last-sibling")
    else:
        OrgUnit.objects.move(unit, new_parent, pos="last-child")
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
    parent = OrgUnit.objects.get_parent(unit)
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
    if not target.is_finite():  # "NaN" / "Infinity" parse, then break every comparison
        raise ApplicationError(_("The credit target must be a number."), field="annual_credit_target")
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
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the login.
    person = Person.objects.select_for_update(of=("self",)).select_related("user", "org_unit").get(pk=person.pk)
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


@transaction.atomic
def person_ensure_login(*, person: Person):
    """The person's login, made (with no usable password) if they have none yet."""
    _sync_login(person)
    return person.user


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
        # Only a login that can still sign in counts as another system admin.
        others = RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN, user__is_active=True).exclude(pk=assignment.pk)
        if not others.exists() and not User.objects.filter(is_superuser=True, is_active=True).exists():
            raise ApplicationError(_("The last system admin cannot be removed."))
    assignment.delete()



# ---------------------------------------------------------------- many people at once (roster import)
#
# The rules of unit_ensure_path, person_create / person_update, check_manager and _sync_login,
# applied to a whole roster in a fixed number of queries instead of a few per person. The
# messages are the same ones, so a refusal reads the same wherever it comes from.

_IN_CHUNK = 500  # ids per "IN (...)": well inside SQLite's limit on query parameters


def _chunks(items: Sequence, size: int = _IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(slots=True)
class PersonDraft:
    """What one person should look like after a bulk save. ``ref`` is the caller's handle for
    errors (the roster import uses the row number); the unit is its full name ("总部/研发中心")
    and the manager their number, so a draft can point at units and people that do not exist yet."""

    ref: int
    employee_no: str
    name: str
    unit_path: str
    position_id: int | None = None
    manager_no: str = ""
    hire_date: dt.date | None = None
    status: str = Person.Status.ACTIVE
    email: str = ""
    phone: str = ""


@dataclass(slots=True)
class PersonState:
    id: int
    employee_no: str
    name: str
    org_unit_id: int
    position_id: int | None
    manager_id: int | None
    hire_date: dt.date | None
    status: str
    left_on: dt.date | None
    email: str
    phone: str
    user_id: int | None


@dataclass(slots=True)
class LoginState:
    id: int
    username: str
    email: str
    first_name: str
    is_active: bool


@dataclass(slots=True)
class UnitState:
    id: int | None
    name_path: str
    path: str
    depth: int
    numchild: int
    archived: bool


@dataclass
class OrgSnapshot:
    """Every person, login and unit as stored, read once. People and units by number and full name."""

    people: dict[str, PersonState]
    people_by_id: dict[int, PersonState]
    logins: dict[int, LoginState]
    units: dict[str, UnitState]
    units_by_id: dict[int, UnitState]


def _lock_for_bulk_write(*models) -> bool:
    """On PostgreSQL, lock whole tables against other writers (readers go on) until the transaction
    ends: cheaper than locking every row, and it also holds back new rows. False elsewhere (SQLite
    already lets one writer in at a time)."""
    connection = connections[router.db_for_write(models[0])]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        for model in models:
            # The table name comes from the model, never from data.
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
    return True


def org_snapshot(*, lock: bool = False) -> OrgSnapshot:
    """Three queries. ``lock=True`` (inside a transaction) keeps people and units as read until it
    ends, so nobody changes a manager or a unit between the checks and the writes."""
    people_qs = Person.objects.order_by()
    units_qs = OrgUnit.objects.order_by()
    if lock and not _lock_for_bulk_write(Person, OrgUnit):
        people_qs = people_qs.select_for_update()
        units_qs = units_qs.select_for_update()
    people = [
        PersonState(*row)
        for row in people_qs.values_list(
            "id", "employee_no", "name", "org_unit_id", "position_id", "manager_id", "hire_date", "status",
            "left_on", "email", "phone", "user_id",
        )
    ]
    logins = {
        row[0]: LoginState(*row)
        for row in User.objects.order_by().values_list("id", "username", "email", "first_name", "is_active")
    }
    units = [
        UnitState(pk, name_path, path, depth, numchild, archived_at is not None)
        for pk, name_path, path, depth, numchild, archived_at in units_qs.values_list(
            "id", "name_path", "path", "depth", "numchild", "archived_at"
        )
    ]
    return OrgSnapshot(
        people={p.employee_no: p for p in people},
        people_by_id={p.id: p for p in people},
        logins=logins,
        units={u.name_path: u for u in units},
        units_by_id={u.id: u for u in units},
    )


def unit_path_plan(name_path: str, snapshot: OrgSnapshot) -> tuple[str, list[str]]:
    """The tidied full name and those of its units still to be made, outermost first; the same
    refusals as unit_ensure_path and unit_create. No query: ``snapshot`` has every unit."""
    parts = [p.strip() for p in (name_path or "").split(UNIT_PATH_SEPARATOR)]
    if not parts or any(not p for p in parts):
        raise ApplicationError(
            _("“%(path)s” is not a unit path such as 总部/研发中心/平台组.") % {"path": name_path}, field="org_unit"
        )
    for part in parts:
        _clean_unit_name(part)
    if len(parts) * OrgUnit.steplen > OrgUnit._meta.get_field("path").max_length:
        raise ApplicationError(_("“%(path)s” has too many levels.") % {"path": name_path}, field="org_unit")
    full = UNIT_PATH_SEPARATOR.join(parts)
    if len(full) > OrgUnit._meta.get_field("name_path").max_length:
        raise ApplicationError(_("A unit's full name can have at most 1000 characters."), field="org_unit")
    missing = []
    for depth in range(1, len(parts) + 1):
        prefix = UNIT_PATH_SEPARATOR.join(parts[:depth])
        unit = snapshot.units.get(prefix)
        if unit is None:
            missing.append(prefix)
        elif unit.archived:
            raise ApplicationError(_("Unit “%(path)s” is archived.") % {"path": prefix}, field="org_unit")
    return full, missing


def _unit_kind_for_depth(depth: int) -> str:
    # As unit_ensure_path: company, then department, then team.
    return OrgUnit.Kind.COMPANY if depth == 1 else OrgUnit.Kind.DEPARTMENT if depth == 2 else OrgUnit.Kind.TEAM


@transaction.atomic
def units_ensure_bulk(name_paths: Iterable[str], snapshot: OrgSnapshot) -> dict[str, int]:
    """Every unit of ``name_paths``, the missing ones made in one insert (tree paths worked out the
    way treebeard's add_root / add_child do). Returns full name -> id and updates ``snapshot``.
    Take the snapshot with ``lock=True`` in the same transaction."""
    wanted: dict[str, None] = {}
    for name_path in name_paths:
        full, missing = unit_path_plan(name_path, snapshot)
        wanted[full] = None
        for prefix in missing:
            wanted.setdefault(prefix, None)
    to_create = sorted(
        (p for p in wanted if p not in snapshot.units), key=lambda p: (p.count(UNIT_PATH_SEPARATOR), p)
    )
    if to_create:
        steplen = OrgUnit.steplen
        last_step: dict[str, int] = {}  # parent tree path ("" for the top) -> its last child's step
        for unit in snapshot.units.values():
            parent_path, step = unit.path[:-steplen], OrgUnit._str2int(unit.path[-steplen:])
            if step > last_step.get(parent_path, 0):
                last_step[parent_path] = step
        new_states: list[UnitState] = []
        grown: dict[str, UnitState] = {}
        for full in to_create:
            parent_name = full.rpartition(UNIT_PATH_SEPARATOR)[0]
            parent = snapshot.units[parent_name] if parent_name else None
            parent_path = parent.path if parent else ""
            step = last_step.get(parent_path, 0) + 1
            key = OrgUnit._int2str(step)
            if len(key) > steplen:
                raise ApplicationError(
                    _("Unit “%(path)s” cannot take more units below it.") % {"path": parent_name or "/"},
                    field="org_unit",
                )
            last_step[parent_path] = step
            state = UnitState(None, full, parent_path + key.rjust(steplen, OrgUnit.alphabet[0]),
                              (parent.depth + 1) if parent else 1, 0, False)
            if parent is not None:
                parent.numchild += 1
                if parent.id is not None:
                    grown[parent.name_path] = parent
            snapshot.units[full] = state
            new_states.append(state)
        objs = [
            OrgUnit(name=s.name_path.rpartition(UNIT_PATH_SEPARATOR)[2], name_path=s.name_path,
                    kind=_unit_kind_for_depth(s.depth), code="", path=s.path, depth=s.depth, numchild=s.numchild)
            for s in new_states
        ]
        OrgUnit.objects.bulk_create(objs)
        _fill_pks(OrgUnit, objs, "name_path")
        for state, obj in zip(new_states, objs, strict=True):
            state.id = obj.pk
            snapshot.units_by_id[obj.pk] = state
        _bulk_update_grouped(OrgUnit, [(OrgUnit(pk=s.id, numchild=s.numchild), ["numchild"]) for s in grown.values()])
    return {full: snapshot.units[full].id for full in wanted}


def _normalise_draft(draft: PersonDraft) -> None:
    # As _validate_person.
    draft.employee_no = (draft.employee_no or "").strip()
    draft.name = (draft.name or "").strip()
    draft.unit_path = (draft.unit_path or "").strip()
    draft.manager_no = (draft.manager_no or "").strip()
    draft.email = (draft.email or "").strip().lower()
    draft.phone = (draft.phone or "").strip()


def people_check_bulk(drafts: Sequence[PersonDraft], snapshot: OrgSnapshot) -> list[tuple[int, str, str]]:
    """(ref, field, message) for every draft that breaks a rule of person_create / person_update /
    _sync_login / check_manager, judged on the state after the whole batch is saved (so two people
    may swap e-mail addresses, and a manager may be someone later in the batch). No query."""
    errors: list[tuple[int, str, str]] = []
    by_no: dict[str, PersonDraft] = {}
    for draft in drafts:
        _normalise_draft(draft)
        if not draft.employee_no:
            errors.append((draft.ref, "employee_no", _("A person needs an employee or student number.")))
            continue
        if draft.employee_no in by_no:
            errors.append((draft.ref, "employee_no",
                           _("The number %(no)s is already used by someone else.") % {"no": draft.employee_no}))
            continue
        by_no[draft.employee_no] = draft
        if not draft.name:
            errors.append((draft.ref, "name", _("A person needs a name.")))
        if not draft.unit_path:
            errors.append((draft.ref, "org_unit", _("A person needs an org unit.")))
        else:
            unit = snapshot.units.get(draft.unit_path)
            if unit is not None and unit.archived:
                errors.append((draft.ref, "org_unit", _("People cannot be placed in an archived unit.")))
        if draft.status not in Person.Status.values:
            errors.append((draft.ref, "status", _("Unknown status.")))

    # E-mail addresses, people and logins, as they will be once everything is saved.
    person_emails: Counter[str] = Counter(d.email for d in by_no.values() if d.email)
    for person in snapshot.people.values():
        if person.email and person.employee_no not in by_no:
            person_emails[person.email.lower()] += 1
    drafted_logins = {p.user_id for no in by_no if (p := snapshot.people.get(no)) is not None and p.user_id}
    other_login_emails: set[str] = set()
    other_usernames: set[str] = set()
    for login in snapshot.logins.values():
        if login.id in drafted_logins:
            continue
        other_usernames.add(login.username)
        if login.email:
            other_login_emails.add(login.email.lower())
    for draft in by_no.values():
        if draft.email and person_emails[draft.email] > 1:
            errors.append((draft.ref, "email", _("Another person already uses this e-mail address.")))
        elif draft.email and draft.email in other_login_emails:
            errors.append((draft.ref, "email", _("Another login already uses this e-mail address.")))
        if draft.employee_no in other_usernames:
            errors.append((draft.ref, "employee_no", _("Another login already uses this number.")))

    # Managers: someone else, who exists (here or in the batch), and no way back up to oneself.
    manager_of: dict[str, str] = {}
    for person in snapshot.people.values():
        if person.manager_id and person.employee_no not in by_no:
            manager = snapshot.people_by_id.get(person.manager_id)
            if manager is not None:
                manager_of[person.employee_no] = manager.employee_no
    for draft in by_no.values():
        if not draft.manager_no:
            continue
        if draft.manager_no == draft.employee_no:
            errors.append((draft.ref, "manager_no", _("A person cannot be their own manager.")))
        elif draft.manager_no not in by_no and draft.manager_no not in snapshot.people:
            errors.append((draft.ref, "manager_no", _("No person has the number %(no)s.") % {"no": draft.manager_no}))
        else:
            manager_of[draft.employee_no] = draft.manager_no
    in_cycle: set[str] = set()
    done: set[str] = set()
    for start in manager_of:
        walked: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in walked:
            walked[node] = len(walked)
            node = manager_of.get(node)
        if node is not None and node in walked:
            in_cycle.update(list(walked)[walked[node] :])
        done.update(walked)
    for draft in by_no.values():
        if draft.employee_no in in_cycle:
            manager = by_no.get(draft.manager_no) or snapshot.people[draft.manager_no]
            errors.append((draft.ref, "manager_no",
                           _("%(manager)s reports (directly or not) to %(person)s: that would be a cycle.")
                           % {"manager": manager.name, "person": draft.name}))
    return errors


@dataclass(slots=True)
class PersonChange:
    """What saving a draft changes: the person's fields (by draft name) and the login's."""

    draft: PersonDraft
    current: PersonState | None
    fields: dict
    login: dict | None

    @property
    def kind(self) -> str:
        if self.current is None:
            return "create"
        return "update" if self.fields or self.login is not None else "unchanged"


def people_diff_bulk(drafts: Sequence[PersonDraft], snapshot: OrgSnapshot,
                     *, today: dt.date | None = None) -> list[PersonChange]:
    """For each draft, what saving it would change; a person exactly as drafted, login included,
    changes nothing. Units and managers are compared by full name and number. No query."""
    today = today or timezone.localdate()
    changes = []
    for draft in drafts:
        _normalise_draft(draft)
        current = snapshot.people.get(draft.employee_no)
        wanted_login = {"username": draft.employee_no, "email": draft.email, "first_name": draft.name[:150],
                        "is_active": draft.status != Person.Status.LEFT}
        if current is None:
            fields = {"name": draft.name, "unit_path": draft.unit_path, "position_id": draft.position_id,
                      "manager_no": draft.manager_no, "hire_date": draft.hire_date, "status": draft.status,
                      "email": draft.email, "phone": draft.phone,
                      "left_on": today if draft.status == Person.Status.LEFT else None}
            changes.append(PersonChange(draft, None, fields, wanted_login))
            continue
        unit = snapshot.units_by_id.get(current.org_unit_id)
        manager = snapshot.people_by_id.get(current.manager_id) if current.manager_id else None
        before = {"name": current.name, "unit_path": unit.name_path if unit else "",
                  "position_id": current.position_id, "manager_no": manager.employee_no if manager else "",
                  "hire_date": current.hire_date, "status": current.status, "email": current.email,
                  "phone": current.phone, "left_on": current.left_on}
        after = {"name": draft.name, "unit_path": draft.unit_path, "position_id": draft.position_id,
                 "manager_no": draft.manager_no, "hire_date": draft.hire_date, "status": draft.status,
                 "email": draft.email, "phone": draft.phone, "left_on": current.left_on}
        # As person_update: the day someone leaves is noted; coming back clears it.
        if draft.status == Person.Status.LEFT and current.status != Person.Status.LEFT:
            after["left_on"] = today
        elif draft.status != Person.Status.LEFT:
            after["left_on"] = None
        fields = {key: value for key, value in after.items() if before[key] != value}
        login = snapshot.logins.get(current.user_id) if current.user_id else None
        if login is None:
            login_change = wanted_login
        else:
            login_change = {key: value for key, value in wanted_login.items() if getattr(login, key) != value} or None
        changes.append(PersonChange(draft, current, fields, login_change))
    return changes


@dataclass
class PeopleBulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: int = 0


@transaction.atomic
def people_save_bulk(drafts: Sequence[PersonDraft], snapshot: OrgSnapshot) -> PeopleBulkResult:
    """Create or update every drafted person and keep their logins in step, as person_create /
    person_update / _sync_login would one by one, in a number of queries that does not grow with
    each person. Missing units are made (units_ensure_bulk). All or nothing: any broken rule
    refuses the whole batch. Take ``snapshot`` with ``lock=True`` in the same transaction."""
    errors = people_check_bulk(drafts, snapshot)
    if errors:
        _ref, field, message = errors[0]
        raise ApplicationError(message, field=field)
    units_before = len(snapshot.units)
    unit_ids = units_ensure_bulk({d.unit_path for d in drafts}, snapshot)
    changes = people_diff_bulk(drafts, snapshot)
    result = PeopleBulkResult(units_created=len(snapshot.units) - units_before)
    now = timezone.now()

    # Logins first, so people can point at them. E-mail addresses and user names are unique:
    # those that change are cleared first, so a swap between two people never trips the index.
    new_logins: dict[str, object] = {}
    changed_logins: list[tuple[PersonChange, object]] = []
    for change in changes:
        if change.login is None:
            continue
        if change.current is not None and change.current.user_id and change.current.user_id in snapshot.logins:
            changed_logins.append((change, User(pk=change.current.user_id, **change.login)))
        else:
            new_logins[change.draft.employee_no] = User(password=make_password(None), **change.login)
    moving_email = [u.pk for c, u in changed_logins if "email" in c.login]
    moving_name = [u.pk for c, u in changed_logins if "username" in c.login]
    for ids in _chunks(moving_email):
        User.objects.filter(pk__in=ids).update(email="")
    if moving_name:
        _bulk_update_grouped(User, [(User(pk=pk, username=f"\x01{pk}"), ["username"]) for pk in moving_name])
    if new_logins:
        User.objects.bulk_create(list(new_logins.values()))
        _fill_pks(User, list(new_logins.values()), "username")
    _bulk_update_grouped(User, [(u, list(c.login)) for c, u in changed_logins])

    # New people, managers before the people who report to them, so each insert knows its ids.
    ids = {no: p.id for no, p in snapshot.people.items()}
    pending = [c for c in changes if c.current is None]
    while pending:
        ready = [c for c in pending if not c.draft.manager_no or c.draft.manager_no in ids]
        if not ready:  # people_check_bulk rules out cycles; this only guards against a loop
            raise ApplicationError(_("The managers of these people form a cycle."))
        objs = [
            Person(employee_no=c.draft.employee_no, name=c.draft.name, org_unit_id=unit_ids[c.draft.unit_path],
                   position_id=c.draft.position_id, manager_id=ids.get(c.draft.manager_no) if c.draft.manager_no else None,
                   hire_date=c.draft.hire_date, status=c.draft.status, left_on=c.fields["left_on"],
                   email=c.draft.email, phone=c.draft.phone, user_id=new_logins[c.draft.employee_no].pk)
            for c in ready
        ]
        Person.objects.bulk_create(objs)
        _fill_pks(Person, objs, "employee_no")
        for obj in objs:
            ids[obj.employee_no] = obj.pk
        ready_nos = {c.draft.employee_no for c in ready}
        pending = [c for c in pending if c.draft.employee_no not in ready_nos]
        result.created += len(objs)

    # People who change.
    to_update = []
    for change in changes:
        if change.current is None:
            continue
        if change.kind == "unchanged":
            result.unchanged += 1
            continue
        result.updated += 1
        person = Person(pk=change.current.id, updated_at=now)
        fields = ["updated_at"]
        for key, value in change.fields.items():
            if key == "unit_path":
                person.org_unit_id = unit_ids[value]
                fields.append("org_unit")
            elif key == "manager_no":
                person.manager_id = ids[value] if value else None
                fields.append("manager")
            else:
                setattr(person, key, value)
                fields.append(key)
        login = new_logins.get(change.draft.employee_no)
        if login is not None:
            person.user_id = login.pk
            fields.append("user")
        to_update.append((person, fields))
    _bulk_update_grouped(Person, to_update)
    if to_update:
        people_changed.send(sender=Person, person_ids=[person.pk for person, _fields in to_update])
    return result


def _fill_pks(model, objs: list, key: str) -> None:
    """Ids for rows just bulk-created, on a database that does not hand them back (SQLite before
    3.35): read them by a unique field."""
    missing = [obj for obj in objs if obj.pk is None]
    if not missing:
        return
    found: dict = {}
    for chunk in _chunks([getattr(obj, key) for obj in missing]):
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    for obj in missing:
        obj.pk = found[getattr(obj, key)]
        obj._state.adding = False


def _bulk_update_grouped(model, rows: list[tuple[object, list[str]]]) -> None:
    """Write the named fields of each object: one prepared UPDATE per set of changed fields."""
    groups: dict[tuple[str, ...], list] = defaultdict(list)
    for obj, fields in rows:
        groups[tuple(sorted(set(fields)))].append(obj)
    for names, objs in groups.items():
        update_in_bulk(model, objs, names)
