"""Writes for the tracking report: its settings (goals, baseline, cost and benefit, conclusions) and
the business measures departments enter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.tracking.followup.models import Plan
from jifen.tracking.reports.models import BusinessMeasure, PlanReport

SETTINGS_FIELDS = ("baseline_start", "baseline_end", "participation_goal", "satisfaction_goal", "exam_goal",
                   "baseline_participation", "baseline_exam_average", "cost", "benefit", "benefit_basis",
                   "conclusion", "problems", "suggestions")


@transaction.atomic
def report_update(*, plan: Plan, actor=None, now: dt.datetime | None = None, **fields) -> PlanReport:
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown report settings: {sorted(unknown)}")
    start, end = fields.get("baseline_start"), fields.get("baseline_end")
    if start and end and end < start:
        raise ApplicationError(_("The baseline period ends before it starts."), field="baseline_end")
    if fields.get("benefit") is not None and fields.get("cost") in (None, Decimal(0)):
        raise ApplicationError(_("Give the training cost too: the ROI is the benefit against the cost."),
                               field="cost")
    report, _created = PlanReport.objects.select_for_update().get_or_create(plan=plan)
    for name, value in fields.items():
        setattr(report, name, "" if value is None and name in ("benefit_basis", "conclusion", "problems",
                                                                "suggestions") else value)
    report.updated_by = actor
    report.updated_at = now or timezone.now()
    report.full_clean(exclude=["plan"])
    report.save()
    return report


def measure_add(*, plan: Plan, org_unit, units, name: str, baseline, current, unit: str = "",
                higher_is_better: bool = True, baseline_period: str = "", current_period: str = "", note: str = "",
                actor, now: dt.datetime | None = None) -> BusinessMeasure:
    """``units``: the departments the caller may enter results for."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the measure."), field="name")
    if org_unit is None or not units.filter(pk=org_unit.pk).exists():
        raise ApplicationError(_("You can enter results only for your own departments."), field="org_unit")
    for field, value in (("baseline", baseline), ("current", current)):
        if value is None:
            raise ApplicationError(_("Enter the value."), field=field)
    measure = BusinessMeasure(
        plan=plan, org_unit=org_unit, name=name[:200], unit=(unit or "").strip()[:30],
        higher_is_better=higher_is_better, baseline=Decimal(str(baseline)), current=Decimal(str(current)),
        baseline_period=(baseline_period or "").strip()[:60], current_period=(current_period or "").strip()[:60],
        note=(note or "").strip()[:1000], entered_by=actor, entered_at=now or timezone.now())
    measure.full_clean()
    measure.save()
    return measure


def measure_remove(*, measure: BusinessMeasure) -> None:
    measure.delete()
