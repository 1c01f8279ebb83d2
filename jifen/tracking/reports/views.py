"""Tracking report pages: the plans with a report (training admins, managers, auditors), one plan's
report with charts and its PDF / Excel, the report's settings (training admins), and the business
measures departments enter (managers). Every plan is looked up inside the caller's scope: 404 outside."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.paging import page_of, query_without_page
from jifen.core.spreadsheets import XLSX
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.tracking.followup.selectors import plans_managed
from jifen.tracking.growth.models import ActionSource
from jifen.tracking.reports import documents, selectors, services
from jifen.tracking.reports.forms import MeasureForm, ReportSettingsForm

TEAL, AMBER, GREY = "#0f766e", "#d97706", "#9aa5b1"


def _visible_plan(request, pk: int):
    return get_object_or_404(selectors.plans_visible(get_access(request)), pk=pk)


@require_perm(Perm.TRACKING_VIEW)
def index(request):
    access = get_access(request)
    plans = selectors.plans_visible(access).order_by("-ended_on", "-pk")
    return TemplateResponse(request, "tracking_reports/index.html", {
        "page": page_of(request, plans), "query": query_without_page(request),
        "can_enter": access.has(Perm.TRACKING_FOLLOW)})


def _bar(labels, values, *, maximum=None, colour=TEAL, horizontal=False, counts=False) -> dict:
    category = {"type": "category", "data": [str(label) for label in labels]}
    value = {"type": "value", **({"max": maximum} if maximum else {}), **({"minInterval": 1} if counts else {})}
    return {
        "grid": {"left": 8, "right": 32, "top": 24, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": value if horizontal else category, "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "data": [None if v is None else float(v) for v in values],
                    "itemStyle": {"color": colour}, "label": {"show": True,
                                                             "position": "right" if horizontal else "top"}}],
    }


def charts(report: dict) -> dict:
    """ECharts options for the report page (each also shown as a table beside it)."""
    goals = report["goals"]
    level1, level2, level3, level4 = (report["level1"], report["level2"], report["level3"], report["level4"])
    goal_chart = {
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [str(g.label) for g in goals]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": _("Baseline"), "type": "bar", "itemStyle": {"color": GREY},
             "data": [None if g.baseline is None else float(g.baseline) for g in goals]},
            {"name": _("This training"), "type": "bar", "itemStyle": {"color": TEAL},
             "label": {"show": True, "position": "top"},
             "data": [None if g.current is None else float(g.current) for g in goals]},
        ],
    }
    measures = level4["measures"]
    return {
        "goals": goal_chart,
        "questions": _bar([q["text"][:24] for q in level1["questions"]], [q["average"] for q in level1["questions"]],
                          maximum=5, horizontal=True),
        "grades": _bar([g["label"] for g in level2["grades"]], [g["count"] for g in level2["grades"]], counts=True),
        "prepost": _bar([_("Before the training"), _("After the training")],
                        [level2["pre_average"], level2["post_average"]], maximum=100, colour=AMBER),
        "dimensions": _bar([d["label"] for d in level3["evaluations"]["dimensions"]],
                           [d["average"] for d in level3["evaluations"]["dimensions"]], maximum=5),
        "ratings": _bar([r["label"] for r in level3["ratings"]], [r["count"] for r in level3["ratings"]],
                        colour=AMBER, counts=True),
        # Improvement in %: a fall of a lower-is-better measure (complaints, rework) counts as a gain.
        "measures": _bar([m.name[:24] for m in measures],
                         [None if m.change_percent is None
                          else round(m.change_percent if m.higher_is_better else -m.change_percent, 1)
                          for m in measures], horizontal=True),
    }


def _action_link(plan, item: dict) -> str:
    query = urlencode({"source": ActionSource.REPORT, "source_ref": _("Tracking report: %(plan)s") % {
        "plan": plan.name}, "title": item["suggestion"][:200], "description": item["problem"]})
    return f"{reverse('growth:action_create')}?{query}"


@require_perm(Perm.TRACKING_VIEW)
def report(request, pk: int):
    access = get_access(request)
    plan = _visible_plan(request, pk)
    data = selectors.plan_report(plan)
    can_manage = plans_managed(access).filter(pk=plan.pk).exists()
    if can_manage:
        for item in data["problems"]:
            item["action_url"] = _action_link(plan, item)
    return TemplateResponse(request, "tracking_reports/report.html", {
        "report": data, "plan": plan, "charts": charts(data), "can_manage": can_manage,
        "can_enter": selectors.plans_for_measures(access).filter(pk=plan.pk).exists()})


@require_perm(Perm.TRACKING_VIEW)
def report_pdf(request, pk: int):
    plan = _visible_plan(request, pk)
    response = HttpResponse(documents.report_pdf(plan), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(f"{documents.file_stem(plan)}.pdf")
    return response


@require_perm(Perm.TRACKING_VIEW)
def report_xlsx(request, pk: int):
    plan = _visible_plan(request, pk)
    response = HttpResponse(documents.report_xlsx(plan), content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{documents.file_stem(plan)}.xlsx")
    return response


def _attachment(name: str) -> str:
    return content_disposition_header(True, name)


@require_perm(Perm.TRACKING_MANAGE)
def report_settings(request, pk: int):
    plan = get_object_or_404(plans_managed(get_access(request)), pk=pk)
    current = selectors.settings_of(plan)
    form = ReportSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS}
        try:
            services.report_update(plan=plan, actor=request.user, **fields)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Report settings saved."))
            return redirect("tracking_reports:report", pk=plan.pk)
    return TemplateResponse(request, "tracking_reports/settings.html", {"form": form, "plan": plan})


# ---------------------------------------------------------------- business measures (Kirkpatrick level 4)


@require_perm(Perm.TRACKING_FOLLOW)
def measures(request):
    """The plans a manager's people were followed up in, to enter their department's results."""
    access = get_access(request)
    plans = selectors.plans_for_measures(access)
    return TemplateResponse(request, "tracking_reports/measures.html", {
        "page": page_of(request, plans), "query": query_without_page(request)})


@require_perm(Perm.TRACKING_FOLLOW)
def plan_measures(request, pk: int):
    access = get_access(request)
    plan = get_object_or_404(selectors.plans_for_measures(access), pk=pk)
    units = access.units(Perm.TRACKING_FOLLOW)
    form = MeasureForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_add(plan=plan, units=units, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Business measure recorded."))
            return redirect("tracking_reports:plan_measures", pk=plan.pk)
    mine = (selectors.measures_editable(access).filter(plan=plan).select_related("org_unit", "entered_by")
            .order_by("org_unit__path", "pk"))
    return TemplateResponse(request, "tracking_reports/plan_measures.html", {
        "plan": plan, "form": form, "measures": mine,
        "can_read_report": selectors.plans_visible(access).filter(pk=plan.pk).exists()})


@require_POST
@require_perm(Perm.TRACKING_FOLLOW)
def measure_remove(request, pk: int):
    measure = selectors.measures_editable(get_access(request)).filter(pk=pk).first()
    if measure is None:
        raise Http404
    plan_id = measure.plan_id
    services.measure_remove(measure=measure)
    messages.success(request, _("Business measure removed."))
    return redirect("tracking_reports:plan_measures", pk=plan_id)
