"""Growth pages: observations and feedback, the application archive, development plans and
improvement actions. Thin: the rules live in services.py; every query is narrowed by the caller's
access, so anything outside it is a 404."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.paging import page_of, query_without_page
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.tracking.growth import selectors, services
from jifen.tracking.growth.forms import (
    ActionFormSet,
    CaseForm,
    CheckForm,
    ConfirmForm,
    DecideForm,
    ImprovementActionForm,
    ObservationForm,
    PlanForm,
    ReportForm,
    ReviewForm,
    StatusForm,
)
from jifen.tracking.growth.models import ActionStatus, DevelopmentPlan, Horizon


def _learner(request) -> int:
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied  # taking part needs a person record
    return person_id


def _no_person(request):
    return TemplateResponse(request, "growth/no_person.html", {})


# ---------------------------------------------------------------- behaviour observations


@login_required
def my_feedback(request):
    access = get_access(request)
    if access.person_id is None:
        return _no_person(request)
    page = page_of(request, selectors.observations_of(access.person_id))
    return TemplateResponse(request, "growth/my_feedback.html", {"page": page, "query": ""})


@login_required
@require_POST
def observation_ack(request, pk: int):
    person_id = _learner(request)
    found = get_object_or_404(selectors.observations_of(person_id), pk=pk)
    services.observation_acknowledge(observation=found, person_id=person_id)
    messages.success(request, _("Thank you: your manager can see you have read the feedback."))
    return redirect("growth:my_feedback")


@require_perm(Perm.TRACKING_FOLLOW)
def observations(request):
    access = get_access(request)
    page = page_of(request, selectors.observations_in_scope(access))
    return TemplateResponse(request, "growth/observations.html", {"page": page, "query": ""})


@require_perm(Perm.TRACKING_FOLLOW)
def observation_create(request):
    access = get_access(request)
    people = selectors.people_followed(access)
    initial = {}
    if request.GET.get("person", "").isdigit():
        initial["person"] = int(request.GET["person"])
    form = ObservationForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.observation_create(observer=request.user, people=people, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Observation recorded; the person can read your feedback."))
            return redirect("growth:observations")
    return TemplateResponse(request, "growth/observation_form.html", {"form": form})


# ---------------------------------------------------------------- the application archive: cases


@login_required
def my_cases(request):
    access = get_access(request)
    if access.person_id is None:
        return _no_person(request)
    page = page_of(request, selectors.cases_of(access.person_id))
    return TemplateResponse(request, "growth/my_cases.html", {"page": page, "query": ""})


@login_required
def case_create(request):
    person_id = _learner(request)
    form = CaseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.case_create(person=Person.objects.get(pk=person_id), **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Application case added to your archive."))
            return redirect("growth:case", pk=created.pk)
    return TemplateResponse(request, "growth/case_form.html", {"form": form})


def _case_visible(request, pk: int):
    access = get_access(request)
    found = selectors.case_visible(access, pk)
    if found is None:
        access.require(Perm.TRACKING_FOLLOW)  # a learner asking for someone else's
        raise Http404
    return found


def _case_page(request, case, *, form=None):
    access = get_access(request)
    own = case.person_id == access.person_id
    can_confirm = (not own and case.confirmed_at is None
                   and selectors.cases_in_scope(access).filter(pk=case.pk).exists())
    return TemplateResponse(request, "growth/case.html", {
        "case": case, "own": own, "can_confirm": can_confirm, "form": form or ConfirmForm(),
    })


@login_required
def case(request, pk: int):
    return _case_page(request, _case_visible(request, pk))


@login_required
def case_file(request, pk: int):
    found = _case_visible(request, pk)
    if not found.evidence:
        raise Http404
    try:
        handle = found.evidence.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True,
                        filename=found.evidence_name or PurePath(found.evidence.name).name)


@require_perm(Perm.TRACKING_FOLLOW)
@require_POST
def case_confirm(request, pk: int):
    access = get_access(request)
    found = get_object_or_404(selectors.cases_in_scope(access), pk=pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.case_confirm(case=found, confirmer=request.user, people=access.people(Perm.TRACKING_FOLLOW),
                                  comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Case confirmed."))
            return redirect("growth:archive")
    return _case_page(request, found, form=form)


# ---------------------------------------------------------------- the application archive: self-reports


@login_required
def my_reports(request):
    access = get_access(request)
    if access.person_id is None:
        return _no_person(request)
    page = page_of(request, selectors.reports_of(access.person_id))
    return TemplateResponse(request, "growth/my_reports.html", {"page": page, "query": ""})


@login_required
def report_create(request):
    person_id = _learner(request)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(person=Person.objects.get(pk=person_id), **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Self-report sent to your manager."))
            return redirect("growth:my_reports")
    return TemplateResponse(request, "growth/report_form.html", {"form": form})


@require_perm(Perm.TRACKING_FOLLOW)
@require_POST
def report_confirm(request, pk: int):
    access = get_access(request)
    found = get_object_or_404(selectors.reports_in_scope(access), pk=pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.report_confirm(report=found, confirmer=request.user,
                                    people=access.people(Perm.TRACKING_FOLLOW), comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Self-report confirmed."))
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("growth:archive")


@require_perm(Perm.TRACKING_FOLLOW)
def archive(request):
    """The application archive of the people the caller follows: cases and self-reports."""
    access = get_access(request)
    pending = request.GET.get("pending") == "1"
    cases = selectors.cases_in_scope(access)
    reports = selectors.reports_in_scope(access)
    if pending:
        cases, reports = cases.filter(confirmed_at__isnull=True), reports.filter(confirmed_at__isnull=True)
    return TemplateResponse(request, "growth/archive.html", {
        "page": page_of(request, cases), "reports": reports[:50], "pending": pending, "query": query_without_page(request),
        "confirm_form": ConfirmForm(), "me": access.person_id,
    })


# ---------------------------------------------------------------- development plans


def _grouped(plan):
    goals = list(plan.goals.all())
    return {"short": [g for g in goals if g.horizon == Horizon.SHORT],
            "long": [g for g in goals if g.horizon == Horizon.LONG]}


@login_required
def my_plan(request):
    access = get_access(request)
    if access.person_id is None:
        return _no_person(request)
    plan = selectors.current_plan(access.person_id)
    return TemplateResponse(request, "growth/my_plan.html", {
        "plan": plan, "goals": _grouped(plan) if plan else None,
        "others": selectors.plans_of(access.person_id).exclude(pk=plan.pk) if plan else [],
        "today": timezone.localdate(),
    })


@login_required
def plan_edit(request):
    person_id = _learner(request)
    plan = selectors.current_plan(person_id)
    year = timezone.localdate().year
    if request.GET.get("new") == "1" or request.POST.get("new") == "1":
        # a plan for the period after the current one (one plan per person per period)
        year = max(year, plan.end_year + 1) if plan is not None else year
        plan = None
    if plan is not None:
        goals = _grouped(plan)
        initial = {"start_year": plan.start_year, "end_year": plan.end_year, "aspiration": plan.aspiration,
                   "short_goals": "\n".join(g.text for g in goals["short"]),
                   "long_goals": "\n".join(g.text for g in goals["long"]),
                   "courses": list(plan.courses.all())}
        actions = [{"text": a.text, "due_on": a.due_on, "status": a.status} for a in plan.actions.all()]
    else:
        initial = {"start_year": year, "end_year": year + 2}
        actions = []
    form = PlanForm(request.POST or None, initial=initial)
    formset = ActionFormSet(request.POST or None, prefix="actions", initial=actions)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        drafts = [services.ActionDraft(text=f.cleaned_data.get("text", ""), due_on=f.cleaned_data.get("due_on"),
                                       status=f.cleaned_data.get("status") or "todo")
                  for f in formset.forms if f.cleaned_data.get("text")]
        try:
            services.plan_save(person=Person.objects.get(pk=person_id), plan=plan, actions=drafts, **data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Plan sent to your manager.") if data["submit"] else _("Plan saved."))
            return redirect("growth:my_plan")
    return TemplateResponse(request, "growth/plan_form.html", {"form": form, "formset": formset, "plan": plan,
                                                               "new": plan is None})


@require_perm(Perm.TRACKING_FOLLOW)
def plans(request):
    access = get_access(request)
    status = request.GET.get("status", "")
    queryset = selectors.plans_in_scope(access)
    if status in DevelopmentPlan.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    return TemplateResponse(request, "growth/plans.html", {
        "page": page_of(request, queryset.order_by("status", "-start_year", "person__employee_no")),
        "query": query_without_page(request), "status": status, "statuses": DevelopmentPlan.Status.choices,
    })


def _plan_page(request, plan, *, decide_form=None, review_form=None, template="growth/plan.html"):
    access = get_access(request)
    own = plan.person_id == access.person_id
    return TemplateResponse(request, template, {
        "plan": plan, "goals": _grouped(plan), "own": own,
        "can_decide": not own and plan.status == DevelopmentPlan.Status.SUBMITTED,
        "can_review": not own and plan.status == DevelopmentPlan.Status.AGREED,
        "decide_form": decide_form or DecideForm(),
        "review_form": review_form or ReviewForm(goals=plan.goals.all()),
        "today": timezone.localdate(),
    })


def _plan_in_scope(request, pk: int) -> DevelopmentPlan:
    return get_object_or_404(selectors.plans_in_scope(get_access(request)), pk=pk)


@require_perm(Perm.TRACKING_FOLLOW)
def plan(request, pk: int):
    return _plan_page(request, _plan_in_scope(request, pk))


@require_perm(Perm.TRACKING_FOLLOW)
@require_POST
def plan_decide(request, pk: int):
    access = get_access(request)
    found = _plan_in_scope(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        agree = form.cleaned_data["decision"] == "agree"
        try:
            services.plan_decide(plan=found, manager=request.user, people=access.people(Perm.TRACKING_FOLLOW),
                                 agree=agree, note=form.cleaned_data["note"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Plan agreed.") if agree else _("Plan sent back with your note."))
            return redirect("growth:plan", pk=found.pk)
    return _plan_page(request, found, decide_form=form)


@require_perm(Perm.TRACKING_FOLLOW)
def plan_review(request, pk: int):
    """The yearly career development review against the plan."""
    access = get_access(request)
    found = _plan_in_scope(request, pk)
    goals = list(found.goals.all())
    form = ReviewForm(request.POST or None, goals=goals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.career_review_record(
                plan=found, reviewer=request.user, people=access.people(Perm.TRACKING_FOLLOW), year=data["year"],
                achieved=[data.get(f"goal_{goal.pk}", "") for goal in goals], assessment=data["assessment"],
                next_steps=data["next_steps"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Career development review recorded."))
            return redirect("growth:plan", pk=found.pk)
    return _plan_page(request, found, review_form=form, template="growth/plan_review.html")


# ---------------------------------------------------------------- improvement actions


def _action_in_scope(request, pk: int):
    return get_object_or_404(selectors.actions_in_scope(get_access(request)), pk=pk)


@require_perm(Perm.TRACKING_MANAGE)
def actions(request):
    access = get_access(request)
    queryset = selectors.actions_in_scope(access)
    chart_counts = selectors.counts_by_status(queryset)
    status = request.GET.get("status", "")
    if status in ActionStatus.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        queryset = selectors.overdue(queryset)
    chart = {
        "grid": {"left": 8, "right": 24, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(label) for _value, label, _n in chart_counts]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": [n for _value, _label, n in chart_counts],
                    "itemStyle": {"color": "#0f766e"}, "label": {"show": True, "position": "top"}}],
    }
    return TemplateResponse(request, "growth/actions.html", {
        "page": page_of(request, queryset), "query": query_without_page(request), "status": status, "overdue": only_overdue,
        "statuses": ActionStatus.choices, "chart": chart, "counts": chart_counts, "today": timezone.localdate(),
    })


def _action_form(request, *, initial=None):
    access = get_access(request)
    return ImprovementActionForm(request.POST or None, initial=initial, units=access.units(Perm.TRACKING_MANAGE),
                                 people=access.people(Perm.TRACKING_MANAGE))


@require_perm(Perm.TRACKING_MANAGE)
def action_create(request):
    access = get_access(request)
    # A tracking report links here with what it found (source=report, the plan, the problem).
    prefill = {key: request.GET[key][:1000] for key in ("title", "source", "source_ref", "description")
               if request.GET.get(key)}
    form = _action_form(request, initial=prefill)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.action_create(created_by=request.user, units=access.units(Perm.TRACKING_MANAGE),
                                             **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Improvement action recorded."))
            return redirect("growth:action", pk=created.pk)
    return TemplateResponse(request, "growth/action_form.html", {"form": form, "action": None})


@require_perm(Perm.TRACKING_MANAGE)
def action_edit(request, pk: int):
    access = get_access(request)
    found = _action_in_scope(request, pk)
    form = _action_form(request, initial={
        "title": found.title, "description": found.description, "source": found.source,
        "source_ref": found.source_ref, "org_unit": found.org_unit_id, "responsible": found.responsible_id,
        "deadline": found.deadline, "expected_effect": found.expected_effect})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=found, units=access.units(Perm.TRACKING_MANAGE), **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Improvement action saved."))
            return redirect("growth:action", pk=found.pk)
    return TemplateResponse(request, "growth/action_form.html", {"form": form, "action": found})


def _action_page(request, found, *, status_form=None, check_form=None):
    return TemplateResponse(request, "growth/action.html", {
        "action": found, "checks": found.checks.select_related("checked_by"),
        "escalations": found.escalations.prefetch_related("recipients"),
        "overdue": found.is_overdue(), "transitions": sorted(services.TRANSITIONS[found.status]),
        "status_form": status_form or StatusForm(initial={"status": found.status}),
        "check_form": check_form or CheckForm(), "statuses": dict(ActionStatus.choices),
    })


@require_perm(Perm.TRACKING_MANAGE)
def action(request, pk: int):
    return _action_page(request, _action_in_scope(request, pk))


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def action_status(request, pk: int):
    found = _action_in_scope(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.action_set_status(action=found, status=form.cleaned_data["status"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("growth:action", pk=found.pk)
    return _action_page(request, found, status_form=form)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def action_check(request, pk: int):
    found = _action_in_scope(request, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            services.action_check_add(action=found, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Follow-up check recorded."))
            return redirect("growth:action", pk=found.pk)
    return _action_page(request, found, check_form=form)
