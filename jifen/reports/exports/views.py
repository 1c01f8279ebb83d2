"""Reports and exports: the monthly points report (requested here, built by a job, polled with htmx),
the filterable lists as Excel, the appraisal eligibility export and a person's learning record (PDF)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.spreadsheets import XLSX
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.reports.exports import documents, selectors, services, tasks
from jifen.reports.exports.forms import MonthlyReportForm


def _require_others(access, perm: Perm) -> None:
    """Lists of others are for those who see more than themselves."""
    if not access.sees_others(perm):
        raise PermissionDenied


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _index(request, form=None, status: int = 200):
    access = get_access(request)
    form = form or MonthlyReportForm(units=selectors.report_units(access),
                                     initial={"month": f"{_last_month():%Y-%m}"})
    files = list(selectors.reports_visible(access)[:50])
    return TemplateResponse(request, "exports/index.html", {
        "form": form, "files": files, "can_people": access.has(Perm.PEOPLE_VIEW),
        "can_orders": access.has(Perm.REWARDS_MANAGE), "can_results": access.has(Perm.TRACKING_VIEW),
        "can_eligibility": access.has(Perm.LEARNING_VIEW), "year": timezone.localdate().year,
    }, status=status)


@require_perm(Perm.LEDGER_VIEW)
def index(request):
    _require_others(get_access(request), Perm.LEDGER_VIEW)
    return _index(request)


@require_perm(Perm.LEDGER_VIEW)
@require_POST
def monthly_request(request):
    access = get_access(request)
    _require_others(access, Perm.LEDGER_VIEW)
    form = MonthlyReportForm(request.POST, units=selectors.report_units(access))
    if not form.is_valid():
        return _index(request, form)
    try:
        report = services.report_request(access=access, user=request.user, month=form.cleaned_data["month"],
                                         unit=form.cleaned_data["unit"], kind=form.cleaned_data["kind"])
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _index(request, form)
    tasks.build_report(report.pk)
    messages.success(request, _("The report is being made; its progress shows below."))
    return redirect("exports:index")


def _visible_file(request, pk: int):
    access = get_access(request)
    _require_others(access, Perm.LEDGER_VIEW)
    return get_object_or_404(selectors.reports_visible(access), pk=pk)


@require_perm(Perm.LEDGER_VIEW)
def report_row(request, pk: int):
    found = _visible_file(request, pk)
    return HttpResponse(render_to_string("exports/_report_row.html", {"report": found}, request=request))


@require_perm(Perm.LEDGER_VIEW)
def download(request, pk: int):
    found = _visible_file(request, pk)
    if not found.file:
        raise Http404
    name = f"{_('Monthly points report')}-{found.period:%Y-%m}.{'pdf' if found.is_pdf else 'xlsx'}"
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/pdf" if found.is_pdf else XLSX)


def _xlsx(book: documents.StreamBook, name: str) -> FileResponse:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(book.save_to_temp(), as_attachment=True, filename=f"{name}-{stamp}.xlsx", content_type=XLSX)


@require_perm(Perm.PEOPLE_VIEW)
def people_xlsx(request):
    book = documents.StreamBook()
    documents.people_sheet(book, selectors.people_export(get_access(request), request.GET))
    return _xlsx(book, _("People"))


@require_perm(Perm.LEDGER_VIEW)
def entries_xlsx(request):
    access = get_access(request)
    _require_others(access, Perm.LEDGER_VIEW)
    book = documents.StreamBook()
    documents.entries_sheet(book, selectors.entries_export(access, request.GET))
    return _xlsx(book, _("Ledger entries"))


@require_perm(Perm.REWARDS_MANAGE)
def orders_xlsx(request):
    book = documents.StreamBook()
    documents.orders_sheet(book, selectors.orders_export(get_access(request), request.GET))
    return _xlsx(book, _("Reward orders"))


@require_perm(Perm.TRACKING_VIEW)
def results_xlsx(request):
    book = documents.StreamBook()
    documents.results_sheet(book, selectors.results_export(get_access(request), request.GET))
    return _xlsx(book, _("Test results"))


@require_perm(Perm.LEARNING_VIEW)
def eligibility_xlsx(request):
    access = get_access(request)
    now = timezone.now()
    year = timezone.localdate(now).year
    book = documents.StreamBook()
    documents.eligibility_sheet(book, selectors.eligibility_rows(selectors.eligibility_people(access, request.GET),
                                                                 year=year, now=now), year=year)
    return _xlsx(book, _("Appraisal eligibility"))


def _record_pdf(person) -> HttpResponse:
    html = render_to_string("exports/record_pdf.html", {**selectors.learning_record(person),
                                                        "generated_at": timezone.now()})
    response = HttpResponse(documents.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="record-{person.pk}.pdf"'
    return response


@require_perm(Perm.LEARNING_VIEW)
def record(request, pk: int):
    access = get_access(request)
    person = get_object_or_404(access.people(Perm.LEARNING_VIEW).select_related("org_unit", "position"), pk=pk)
    return _record_pdf(person)


@require_perm(Perm.LEARNING_VIEW)
def my_record(request):
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied
    return _record_pdf(get_object_or_404(access.people(Perm.LEARNING_VIEW).select_related("org_unit", "position"),
                                         pk=access.person_id))
