"""Reports over the API: request a monthly points report and read its progress; the appraisal /
promotion eligibility data (seed 003). The same permission and scope rules as the pages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm, get_access
from jifen.reports.exports import selectors, services, tasks
from jifen.reports.exports.models import ReportKind

router = Router(tags=["exports"])


class ReportIn(Schema):
    month: str = Field(..., description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")
    unit_id: int | None = Field(None, description="Empty: the whole organisation")
    format: str = Field("xlsx", description="xlsx or pdf")


class MonthlyReportOut(Schema):
    id: int
    kind: str
    month: str
    unit_id: int | None
    status: str = Field(..., description="running, done or failed")
    done: int
    total: int
    percent: int
    size: int
    download_url: str | None


def _out(report) -> dict:
    status = "done" if report.ready else ("failed" if report.failed else "running")
    run = report.job_run
    return {"id": report.pk, "kind": report.kind, "month": f"{report.period:%Y-%m}", "unit_id": report.scope_unit_id,
            "status": status, "done": run.done if run else 0, "total": run.total if run else 0,
            "percent": report.percent, "size": report.size,
            "download_url": reverse("exports:download", args=[report.pk]) if report.ready else None}


def _reports(request):
    access = get_access(request)
    if not access.sees_others(Perm.LEDGER_VIEW):
        raise PermissionDenied
    return access


@router.post("/exports/monthly-reports", response={201: MonthlyReportOut}, operation_id="request_monthly_report")
def request_monthly_report(request, payload: ReportIn):
    access = _reports(request)
    try:
        month = dt.datetime.strptime(payload.month, "%Y-%m").date()
    except ValueError:
        raise ApplicationError(_("Enter a month as YYYY-MM."), field="month") from None
    unit = None
    if payload.unit_id is not None:
        unit = get_object_or_404(selectors.report_units(access), pk=payload.unit_id)
    kind = {"xlsx": ReportKind.MONTHLY_XLSX, "pdf": ReportKind.MONTHLY_PDF}.get(payload.format, payload.format)
    report = services.report_request(access=access, user=request.user, month=month, unit=unit, kind=kind)
    tasks.build_report(report.pk)
    report.refresh_from_db()
    return Status(201, _out(report))


@router.get("/exports/monthly-reports/{report_id}", response=MonthlyReportOut, operation_id="monthly_report_status")
def monthly_report_status(request, report_id: int):
    access = _reports(request)
    return _out(get_object_or_404(selectors.reports_visible(access), pk=report_id))


class EligibilityOut(Schema):
    person_id: int
    employee_no: str
    name: str
    department: str
    target: Decimal
    earned: Decimal
    missing: Decimal
    required_earned: Decimal
    required_minimum: Decimal
    required_missing: Decimal
    eligible: bool
    certificates: list[str]


class EligibilityPage(Schema):
    year: int
    count: int
    eligible: int
    items: list[EligibilityOut]


@router.get("/exports/eligibility", response=EligibilityPage, operation_id="eligibility")
def eligibility(request, unit_id: int | None = None, q: str = "", limit: int = 100, offset: int = 0):
    """Who meets this year's credit requirement and who does not, by how much, with certificates held."""
    access = get_access(request)
    access.require(Perm.LEARNING_VIEW)
    unit = None
    if unit_id is not None:
        unit = access.units(Perm.LEARNING_VIEW).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    from jifen.catalog.selectors import gap_people

    people = gap_people(access=access, q=q, unit=unit)
    limit = max(1, min(limit, 1000))
    now = timezone.now()
    year = timezone.localdate(now).year
    count = people.count()
    page = people[max(offset, 0):max(offset, 0) + limit]
    rows = list(selectors.eligibility_rows(people.filter(pk__in=[p.pk for p in page]), year=year, now=now))
    items = [{"person_id": r.person.pk, "employee_no": r.person.employee_no, "name": r.person.name,
              "department": r.person.org_unit.name_path, "target": r.gap.target, "earned": r.gap.earned,
              "missing": r.gap.missing, "required_earned": r.gap.required_earned,
              "required_minimum": r.gap.required_minimum, "required_missing": r.gap.required_missing,
              "eligible": r.eligible, "certificates": r.certificates} for r in rows]
    return {"year": year, "count": count, "eligible": sum(1 for item in items if item["eligible"]), "items": items}
