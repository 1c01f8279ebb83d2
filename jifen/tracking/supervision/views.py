"""Supervision pages (监督小组): department KPIs, the annual summary and the archive. Read-only: nothing
here writes. Every page is narrowed to the viewer's TRACKING_VIEW scope; a unit outside it is a 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from jifen.core.spreadsheets import XLSX
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.tracking.supervision import exports, selectors

FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_of(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if FIRST_YEAR <= year <= LAST_YEAR else default


def unit_id_of(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _area(request):
    area = selectors.area_for(get_access(request), unit_id_of(request.GET.get("unit")))
    if area is None:
        raise Http404
    return area


def _filters(request, area, year: int) -> dict:
    today = timezone.localdate()
    unit = request.GET.get("unit", "")
    return {
        "year": year, "years": list(range(today.year, today.year - 6, -1)), "area": area,
        "units": selectors.units_to_choose(get_access(request)), "unit": unit_id_of(unit),
        "query": f"year={year}" + (f"&unit={unit_id_of(unit)}" if unit_id_of(unit) else ""),
    }


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def kpis(request):
    area = _area(request)
    today = timezone.localdate()
    year = year_of(request.GET.get("year"), today.year)
    rows, total = selectors.department_kpis(area, year, today)
    return TemplateResponse(request, "supervision/kpis.html", {
        **_filters(request, area, year), "rows": rows, "total": total, "chart": selectors.kpi_chart(rows),
        "definitions": selectors.kpi_definitions(), "today": today})


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def kpis_xlsx(request):
    area = _area(request)
    today = timezone.localdate()
    year = year_of(request.GET.get("year"), today.year)
    rows, total = selectors.department_kpis(area, year, today)
    response = HttpResponse(exports.kpi_xlsx(rows, total), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="kpis-{year}.xlsx"'
    return response


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def summary(request):
    area = _area(request)
    today = timezone.localdate()
    year = year_of(request.GET.get("year"), today.year)
    found = selectors.annual_summary(area, year, today)
    return TemplateResponse(request, "supervision/summary.html", {
        **_filters(request, area, year), "summary": found, "charts": selectors.summary_charts(found),
        "definitions": selectors.kpi_definitions()})


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def summary_pdf(request):
    area = _area(request)
    today = timezone.localdate()
    year = year_of(request.GET.get("year"), today.year)
    document = exports.summary_pdf(selectors.annual_summary(area, year, today), language=translation.get_language())
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="summary-{year}.pdf"'
    return response


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def archive(request):
    area = _area(request)
    today = timezone.localdate()
    return TemplateResponse(request, "supervision/archive.html", {
        **_filters(request, area, today.year), "archive_years": selectors.archive_years(area, today),
        "reports_included": exports.reports_available()})


@require_GET
@require_perm(Perm.TRACKING_VIEW)
def archive_download(request, year: int):
    area = _area(request)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    chunks = exports.archive_stream(area, year, today=timezone.localdate(), language=translation.get_language(),
                                    made_by=request.user.get_username())
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="jifen-archive-{year}.zip"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
