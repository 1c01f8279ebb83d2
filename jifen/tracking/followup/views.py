"""Follow-up pages: a learner's tasks (phone-first), and for training admins the plans, templates and
results. Thin: the rules live in services.py; queries are narrowed by the caller's access, so anything
outside it is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.paging import page_of
from jifen.core.spreadsheets import XLSX
from jifen.core.uploads import ParkedUploads
from jifen.org.importing import ImportFileError, read_upload
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.tracking.followup import importing, selectors, services
from jifen.tracking.followup.forms import (
    ActivityForm,
    PeerForm,
    PlanForm,
    ProgrammePlanForm,
    TemplateForm,
    TestResultForm,
)
from jifen.tracking.followup.models import (
    ActivityKind,
    Audience,
    Grade,
    PlanTemplate,
    TaskStatus,
    TemplateActivity,
)
from jifen.tracking.instruments.forms import answers_from_post, questions_with_values
from jifen.tracking.instruments.services import AnswersInvalid

# ---------------------------------------------------------------- learners (and managers, peers): my tasks


@login_required
def my_tasks(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "followup/no_person.html", {})
    today = timezone.localdate()
    tasks = list(selectors.tasks_of(access.person_id)[:300])
    for task in tasks:
        task.shown = task.shown_status(today)
    todo = [t for t in tasks if t.shown in (TaskStatus.OPEN, TaskStatus.OVERDUE)]
    done = [t for t in tasks if t.shown == TaskStatus.DONE]
    results = selectors.test_results_of(access.person_id)
    return TemplateResponse(request, "followup/my_tasks.html", {
        "todo": todo, "done": done[:20], "results": results, "today": today, "person_id": access.person_id})


@login_required
def task(request, pk: int):
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # taking part needs a person record
    found = selectors.own_task(access, pk)
    if found is None:
        raise Http404
    form = found.activity.form
    version = form.current_version() if form is not None else None
    values, errors, error = {}, {}, ""
    if request.method == "POST":
        values = answers_from_post(version, request.POST) if version is not None else {}
        try:
            services.task_complete(task=found, answers=values, actor=request.user)
        except AnswersInvalid as invalid:
            errors = invalid.errors
        except ApplicationError as refused:
            error = refused.message
        else:
            messages.success(request, _("Thank you: your answers were saved.") if version is not None
                             else _("Marked as done."))
            return redirect("followup:tasks")
    return TemplateResponse(request, "followup/task.html", {
        "task": found, "form": form, "error": error, "today": timezone.localdate(),
        "questions": questions_with_values(version, values, errors) if version is not None else [],
        "status": found.shown_status(timezone.localdate()),
        "can_finish": found.kind != ActivityKind.TEST,
        "sees_record": access.has(Perm.TRACKING_VIEW) and found.subject_id not in (None, found.assignee_id),
    })


# ---------------------------------------------------------------- training admins: plans


@require_perm(Perm.TRACKING_MANAGE)
def plans(request):
    access = get_access(request)
    page = page_of(request, selectors.plans_with_progress(access))
    for plan in page:
        plan.percent = round(100 * plan.done_count / plan.task_count) if plan.task_count else 0
    return TemplateResponse(request, "followup/plans.html", {"page": page, "query": "",
                                                             "today": timezone.localdate()})


@require_perm(Perm.TRACKING_MANAGE)
def plan_create(request):
    access = get_access(request)
    form = PlanForm(request.POST or None, access=access, initial={"template": services.default_template()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.plan_create(template=data["template"], session=data["session"], name=data["name"],
                                           created_by=request.user)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Tracking plan made: %(n)d task(s) given out.") % {
                "n": created.tasks.count()})
            return redirect("followup:plan", pk=created.pk)
    return TemplateResponse(request, "followup/plan_form.html", {"form": form})


@require_perm(Perm.TRACKING_MANAGE)
def programme_plan_create(request):
    access = get_access(request)
    form = ProgrammePlanForm(request.POST or None, access=access, initial={"template": services.default_template()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.programme_plan_create(
                name=data["name"], sessions=data["sessions"], template=data["template"], created_by=request.user,
                units=access.units(Perm.TRACKING_MANAGE))
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Tracking plan made: %(n)d task(s) given out.") % {
                "n": created.tasks.count()})
            return redirect("followup:plan", pk=created.pk)
    return TemplateResponse(request, "followup/plan_form.html", {"form": form, "programme": True})


def _managed_plan(request, pk: int):
    return get_object_or_404(selectors.plans_managed(get_access(request)), pk=pk)


def _plan_page(request, plan, *, result_form=None, peer_form=None):
    today = timezone.localdate()
    learners = [p for p, _s in services.plan_learners(plan)]
    tasks = list(plan.tasks.select_related("activity", "assignee", "subject").order_by("due_on", "activity__position",
                                                                                       "assignee__employee_no"))
    for item in tasks:
        item.shown = item.shown_status(today)
    has_test = plan.template.activities.filter(kind=ActivityKind.TEST).exists()
    return TemplateResponse(request, "followup/plan.html", {
        "plan": plan, "progress": selectors.plan_progress(plan, today), "tasks": tasks, "today": today,
        "surveys": selectors.survey_results(plan), "min_group": selectors.MIN_GROUP,
        "results": plan.test_results.select_related("person").order_by("person__employee_no"),
        "has_test": has_test, "evaluated": selectors.evaluated_people(plan),
        "result_form": result_form or TestResultForm(learners=learners, prefix="result"),
        "has_peers": any(Audience.PEERS in a.audiences
                         for a in plan.template.activities.filter(kind=ActivityKind.EVALUATION)),
        "peer_form": peer_form or PeerForm(learners=learners, people=_peer_choices(request), prefix="peer"),
    })


def _peer_choices(request):
    return get_access(request).people(Perm.TRACKING_MANAGE)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def peer_add(request, pk: int):
    found = _managed_plan(request, pk)
    learners = [p for p, _s in services.plan_learners(found)]
    form = PeerForm(request.POST, learners=learners, people=_peer_choices(request), prefix="peer")
    if form.is_valid():
        try:
            services.peer_add(plan=found, subject=form.cleaned_data["subject"], peer=form.cleaned_data["peer"])
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("%(peer)s will evaluate %(name)s.") % {
                "peer": form.cleaned_data["peer"].name, "name": form.cleaned_data["subject"].name})
            return redirect("followup:plan", pk=found.pk)
    return _plan_page(request, found, peer_form=form)


@require_perm(Perm.TRACKING_MANAGE)
def plan(request, pk: int):
    return _plan_page(request, _managed_plan(request, pk))


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def test_result(request, pk: int):
    found = _managed_plan(request, pk)
    learners = [p for p, _s in services.plan_learners(found)]
    form = TestResultForm(request.POST, learners=learners, prefix="result")
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.test_result_record(plan=found, person=data["person"], score=data["score"],
                                                 pre_score=data["pre_score"], taken_on=data["taken_on"],
                                                 recorded_by=request.user)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Result recorded: %(name)s, %(grade)s.") % {
                "name": result.person.name, "grade": result.get_grade_display()})
            return redirect("followup:plan", pk=found.pk)
    return _plan_page(request, found, result_form=form)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def plan_close(request, pk: int):
    found = _managed_plan(request, pk)
    services.plan_close(plan=found)
    messages.success(request, _("Plan closed; open tasks were cancelled."))
    return redirect("followup:plan", pk=found.pk)


# ---------------------------------------------------------------- a person's follow-up record


@login_required
def record(request, pk: int):
    """Test results and 360 reports of one person: their own, or (managers, training admins, auditors)
    of someone in scope."""
    access = get_access(request)
    if pk != access.person_id:
        access.require(Perm.TRACKING_VIEW)
    person = get_object_or_404(selectors.people_followed(access) if pk != access.person_id
                               else Person.objects.all(), pk=pk)
    plans_evaluated = {t.plan for t in person.followup_tasks_about.filter(kind=ActivityKind.EVALUATION)
                       .select_related("plan", "plan__template")}
    reports = [selectors.evaluation_report(p, person) for p in sorted(plans_evaluated, key=lambda p: -p.pk)]
    return TemplateResponse(request, "followup/record.html", {
        "person": person, "results": selectors.test_results_of(person.pk),
        "reports": [r for r in reports if r["overall"] is not None or r["comments"]],
        "own": pk == access.person_id,
    })


@require_perm(Perm.TRACKING_VIEW)
def results(request):
    """Test grades of the people in the caller's scope, newest first, each linked to their record."""
    access = get_access(request)
    grade = request.GET.get("grade", "")
    if grade not in Grade.values:
        grade = ""
    page = page_of(request, selectors.results_in_scope(access, grade))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "followup/results.html", {
        "page": page, "query": query.urlencode(), "grade": grade, "grades": Grade.choices})


# ---------------------------------------------------------------- templates


@require_perm(Perm.TRACKING_MANAGE)
def templates(request):
    services.default_template()  # made on first use
    return TemplateResponse(request, "followup/templates.html", {
        "templates": PlanTemplate.objects.prefetch_related("activities").order_by("name", "pk")})


@require_perm(Perm.TRACKING_MANAGE)
def template_create(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.template_create(**form.cleaned_data)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Template saved."))
            return redirect("followup:template", pk=created.pk)
    return TemplateResponse(request, "followup/template_form.html", {"form": form})


def _template_page(request, found, *, form=None, activity_form=None):
    return TemplateResponse(request, "followup/template.html", {
        "template": found, "form": form or TemplateForm(instance=found),
        "activity_form": activity_form or ActivityForm(prefix="activity"),
        "activities": found.activities.select_related("form").order_by("position", "pk"),
    })


@require_perm(Perm.TRACKING_MANAGE)
def template(request, pk: int):
    found = get_object_or_404(PlanTemplate, pk=pk)
    form = TemplateForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(template=found, **form.cleaned_data)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Template saved."))
            return redirect("followup:template", pk=found.pk)
    return _template_page(request, found, form=form)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def activity_add(request, pk: int):
    found = get_object_or_404(PlanTemplate, pk=pk)
    form = ActivityForm(request.POST, prefix="activity")
    if form.is_valid():
        try:
            services.activity_add(template=found, **form.cleaned_data)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Activity added."))
            return redirect("followup:template", pk=found.pk)
    return _template_page(request, found, activity_form=form)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def activity_remove(request, pk: int):
    found = get_object_or_404(TemplateActivity, pk=pk)
    try:
        services.activity_remove(activity=found)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Activity removed."))
    return redirect("followup:template", pk=found.template_id)


# ---------------------------------------------------------------- test results from a spreadsheet

_PARKED_TEST_FILES = ParkedUploads("test-result-uploads")
MAX_ROWS_SHOWN = 500


class TestImportForm(forms.Form):
    file = forms.FileField(
        label=_("Test results file"),
        help_text=_("An .xlsx or .csv file with the columns 工号 (employee_no) and 成绩 (score), and if you have "
                    "them 培训前成绩 (pre_score) and 考核日期 (taken_on)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    check_only = forms.BooleanField(label=_("Only check the file, import nothing"), required=False, initial=True)


def _import_chart(result) -> dict:
    counts = result.grade_counts()
    return {
        "tooltip": {}, "grid": {"left": 40, "right": 16, "top": 16, "bottom": 28},
        "xAxis": {"type": "category", "data": [label for _value, label, _n in counts]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": str(_("Rows")), "data": [n for _value, _label, n in counts],
                    "label": {"show": True, "position": "top"}}],
    }


@require_perm(Perm.TRACKING_MANAGE)
def test_import(request, pk: int):
    """Upload a file of test results: check it (each row's outcome and grade, or its errors), then
    import it all at once from the checked file, or directly when "only check" is off."""
    found = _managed_plan(request, pk)
    form = TestImportForm(request.POST or None, request.FILES or None)
    result, token = None, ""
    if request.method == "POST" and request.POST.get("token"):
        parked = _PARKED_TEST_FILES.load(request.user.pk, request.POST["token"])
        if parked is None:
            messages.error(request, _("The checked file is no longer kept: upload it again."))
            return redirect("followup:test_import", pk=found.pk)
        data, meta = parked
        form = TestImportForm()
        try:
            result = importing.commit(plan=found, table=importing.read(data, meta["file_name"]), actor=request.user)
        except importing.TestImportRejected as rejected:
            result = rejected.result
            form.add_error(None, rejected.message)
        except ApplicationError as refused:
            form.add_error(None, refused.message)
        _PARKED_TEST_FILES.discard(request.user.pk, request.POST["token"])
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_upload(upload)
            table = importing.read(data, upload.name)
            if form.cleaned_data["check_only"]:
                result = importing.check(plan=found, table=table)
                if result.ok and result.changes:
                    token = _PARKED_TEST_FILES.park(request.user.pk, table.file_name, data)
            else:
                result = importing.commit(plan=found, table=table, actor=request.user)
        except importing.TestImportRejected as rejected:
            result = rejected.result
            form.add_error(None, rejected.message)
        except (ImportFileError, ApplicationError) as refused:
            apply_error(form, refused)
    if result is not None and result.committed:
        messages.success(request, _("Test results imported: %(new)d new, %(changed)d changed, %(unchanged)d "
                                    "unchanged.") % {"new": result.created, "changed": result.updated,
                                                     "unchanged": result.unchanged})
        return redirect("followup:plan", pk=found.pk)
    errors = result.errors if result is not None else []
    rows = result.results if result is not None else []
    return TemplateResponse(request, "followup/test_import.html", {
        "plan": found, "form": form, "result": result, "token": token,
        "errors": errors[:MAX_ROWS_SHOWN], "more_errors": max(len(errors) - MAX_ROWS_SHOWN, 0),
        "rows": rows[:MAX_ROWS_SHOWN], "more_rows": max(len(rows) - MAX_ROWS_SHOWN, 0),
        "chart": _import_chart(result) if result is not None and result.results else None,
    })


@require_perm(Perm.TRACKING_MANAGE)
def test_import_template(request, pk: int):
    found = _managed_plan(request, pk)
    response = HttpResponse(importing.template_file(found), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="test-results-{found.pk}.xlsx"'
    return response
