"""Reads of the organisation that pages, the API and (later) reports share."""

from __future__ import annotations

from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery

from jifen.org.models import OrgUnit, Person, Position
from jifen.org.permissions import Access, Perm


def people_in_subtree(unit: OrgUnit) -> QuerySet[Person]:
    """Everyone in a unit and all units below it: one indexed prefix match on the unit path."""
    return Person.objects.filter(org_unit__path__startswith=unit.path)


def person_list(
    *,
    access: Access,
    query: str = "",
    unit: OrgUnit | None = None,
    position: Position | None = None,
    status: str = "",
) -> QuerySet[Person]:
    people = access.people(Perm.PEOPLE_VIEW).select_related("org_unit", "position", "manager")
    query = query.strip()
    if query:
        people = people.filter(
            Q(employee_no__icontains=query) | Q(name__icontains=query) | Q(email__icontains=query)
            | Q(phone__icontains=query)
        )
    if unit is not None:
        people = people.filter(org_unit__path__startswith=unit.path)
    if position is not None:
        people = people.filter(position=position)
    if status:
        people = people.filter(status=status)
    return people.order_by("employee_no")


def person_detail(*, access: Access, pk: int) -> Person | None:
    return (
        access.people(Perm.PEOPLE_VIEW)
        .select_related("org_unit", "position", "manager", "user")
        .filter(pk=pk)
        .first()
    )


def unit_children(*, access: Access, parent: OrgUnit | None, include_archived: bool = False) -> list[OrgUnit]:
    """The units shown under ``parent`` in the tree (the scope's top units when parent is None),
    each with its direct head count and whether it has children, in a fixed number of queries."""
    units = access.units(Perm.ORG_VIEW)
    if not include_archived:
        units = units.filter(archived_at__isnull=True)
    if parent is None:
        scope = access.scope(Perm.ORG_VIEW)
        if scope.everything:
            units = units.filter(depth=1)
        else:
            units = units.filter(path__in=sorted(scope.unit_paths))
    else:
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    # Head counts cover the whole subtree (a department counts its teams' people), and the expand
    # arrow shows only when there is something to expand to: both as subqueries, one query in all.
    children = OrgUnit.objects.filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
    if not include_archived:
        children = children.filter(archived_at__isnull=True)
    units = units.annotate(
        head_count=Subquery(
            Person.objects.filter(org_unit__path__startswith=OuterRef("path"))
            .exclude(status=Person.Status.LEFT)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")[:1]
        ),
        has_children=Exists(children),
    ).order_by("name")
    return list(units)


def unit_search(*, access: Access, query: str, limit: int = 50) -> list[OrgUnit]:
    return list(
        access.units(Perm.ORG_VIEW)
        .filter(Q(name__icontains=query) | Q(code__icontains=query))
        .order_by("name_path")[:limit]
    )


def unit_subtree_head_count(unit: OrgUnit) -> int:
    return people_in_subtree(unit).exclude(status=Person.Status.LEFT).count()


def unit_choices(*, access: Access, perm: Perm = Perm.ORG_VIEW) -> QuerySet[OrgUnit]:
    return access.units(perm).filter(archived_at__isnull=True).order_by("name_path")


def position_list(*, include_inactive: bool = True) -> QuerySet[Position]:
    positions = Position.objects.annotate(
        head_count=Count("people", filter=~Q(people__status=Person.Status.LEFT))
    )
    if not include_inactive:
        positions = positions.filter(is_active=True)
    return positions.order_by("name")
