"""Reads for the pages and the API, each narrowed by the caller's access."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jifen.org.permissions import Access, Perm
from jifen.tracking.growth.models import (
    OPEN_STATUSES,
    ActionStatus,
    ApplicationCase,
    DevelopmentPlan,
    Escalation,
    ImprovementAction,
    Observation,
    SelfReport,
)


def people_followed(access: Access):
    """The people the caller observes and follows up (managers, training admins, in scope)."""
    return access.people(Perm.TRACKING_FOLLOW).filter(status="active")


def observations_of(person_id: int) -> QuerySet[Observation]:
    return Observation.objects.filter(person_id=person_id).select_related("course", "observed_by")


def observations_in_scope(access: Access) -> QuerySet[Observation]:
    return (Observation.objects.filter(person__in=access.people(Perm.TRACKING_FOLLOW).values("pk"))
            .select_related("person", "person__org_unit", "course", "observed_by"))


def cases_of(person_id: int) -> QuerySet[ApplicationCase]:
    return ApplicationCase.objects.filter(person_id=person_id).select_related("course", "confirmed_by")


def cases_in_scope(access: Access) -> QuerySet[ApplicationCase]:
    return (ApplicationCase.objects.filter(person__in=access.people(Perm.TRACKING_FOLLOW).values("pk"))
            .select_related("person", "person__org_unit", "course", "confirmed_by"))


def case_visible(access: Access, pk: int) -> ApplicationCase | None:
    """One's own case, or one of a person the caller follows."""
    q = Q(person__in=access.people(Perm.TRACKING_FOLLOW).values("pk"))
    if access.person_id is not None:
        q |= Q(person_id=access.person_id)
    return (ApplicationCase.objects.filter(q, pk=pk)
            .select_related("person", "person__org_unit", "course", "confirmed_by").first())


def reports_of(person_id: int) -> QuerySet[SelfReport]:
    return SelfReport.objects.filter(person_id=person_id).select_related("course", "confirmed_by")


def reports_in_scope(access: Access) -> QuerySet[SelfReport]:
    return (SelfReport.objects.filter(person__in=access.people(Perm.TRACKING_FOLLOW).values("pk"))
            .select_related("person", "person__org_unit", "course", "confirmed_by"))


def plans_of(person_id: int) -> QuerySet[DevelopmentPlan]:
    return DevelopmentPlan.objects.filter(person_id=person_id).prefetch_related("goals", "actions", "courses",
                                                                                  "reviews")


def current_plan(person_id: int, today: dt.date | None = None) -> DevelopmentPlan | None:
    """The plan covering this year, else the latest one."""
    year = (today or timezone.localdate()).year
    plans = plans_of(person_id)
    return plans.filter(start_year__lte=year, end_year__gte=year).first() or plans.first()


def plans_in_scope(access: Access) -> QuerySet[DevelopmentPlan]:
    return (DevelopmentPlan.objects.filter(person__in=access.people(Perm.TRACKING_FOLLOW).values("pk"))
            .select_related("person", "person__org_unit")
            .prefetch_related("goals", "actions", "courses", "reviews"))


def actions_in_scope(access: Access) -> QuerySet[ImprovementAction]:
    """Improvement actions of the units the caller manages follow-up for."""
    escalated = Escalation.objects.filter(action=OuterRef("pk"), deadline=OuterRef("deadline"))
    return (ImprovementAction.objects.filter(org_unit__in=access.units(Perm.TRACKING_MANAGE).values("pk"))
            .select_related("org_unit", "responsible", "created_by")
            .annotate(escalated=Exists(escalated)))


def overdue(queryset: QuerySet[ImprovementAction], today: dt.date | None = None) -> QuerySet[ImprovementAction]:
    return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today or timezone.localdate())


def counts_by_status(queryset: QuerySet[ImprovementAction]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the workflow's order."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in ActionStatus.choices]
