"""Department follow-up KPIs over the API, for the supervision group: the same figures, scope and
definitions as the KPI page."""

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jifen.org.permissions import Perm, get_access
from jifen.tracking.supervision import selectors

router = Router(tags=["supervision"])


class KpiFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="The year (default: this year).")
    unit: int | None = Field(None, description="The org unit whose departments are shown (default: the top of "
                                               "your scope); outside your scope it is a 404.")


class KpiRowOut(Schema):
    unit_id: int | None
    name: str
    plans: int
    plans_on_time: int
    plans_on_time_percent: int | None
    plan_tasks_due: int
    plan_tasks_done: int
    plan_tasks_percent: int | None
    feedback_done: int
    feedback_on_time: int
    timeliness_percent: int | None
    manager_done: int
    manager_on_time: int
    manager_timeliness_percent: int | None
    feedback_past_due: int
    feedback_past_due_done: int
    completeness_percent: int | None
    actions_due: int
    actions_finished: int
    actions_percent: int | None
    actions_overdue: int


class SupervisionUnitOut(Schema):
    id: int
    name: str


class DefinitionOut(Schema):
    kpi: str
    definition: str


class KpisOut(Schema):
    year: int
    unit: SupervisionUnitOut | None
    departments: list[KpiRowOut]
    total: KpiRowOut
    definitions: list[DefinitionOut]


@router.get("/tracking/kpis", response=KpisOut)
def supervision_kpis(request, filters: Query[KpiFilter]):
    """Department KPIs for a year: plans made on time, plan task completion, feedback timeliness (all and
    managers'), feedback completeness and improvement action completion, per department of your scope
    (managers and training admins: their units; HR auditors: the whole organisation). Percentages are
    whole numbers, null when there is nothing to count."""
    access = get_access(request)
    access.require(Perm.TRACKING_VIEW)
    area = selectors.area_for(access, filters.unit)
    if area is None:
        raise Http404
    today = timezone.localdate()
    year = filters.year or today.year
    rows, total = selectors.department_kpis(area, year, today)
    return {
        "year": year, "unit": {"id": area.top.pk, "name": area.top.name} if area.top else None,
        "departments": [row.as_dict() for row in rows], "total": total.as_dict(),
        "definitions": [{"kpi": str(kpi), "definition": str(text)} for kpi, text in selectors.kpi_definitions()],
    }
