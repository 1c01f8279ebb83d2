from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.org.permissions import get_access
from jifen.rules import rule_services, simulation, yaml_io
from jifen.rules.forms import RuleForm, RulesetImportForm, SimulationForm
from jifen.rules.models import Rule, RuleVersion
from jifen.rules.selectors import may_manage_rules, rule_versions


def _manager_required(view):
    """Rules apply to the whole organisation: changing them needs RULES_MANAGE over all of it."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if not may_manage_rules(get_access(request)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _rule(code: str) -> Rule:
    found = Rule.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


@login_required
def rules(request):
    """Every rule in force, in words: the rules are public to everyone they apply to."""
    versions = (
        RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED, rule__archived_at__isnull=True)
        .select_related("rule")
        .order_by("event_type", "rule__code")
    )
    can_manage = may_manage_rules(get_access(request))
    return TemplateResponse(request, "rules/rules.html", {
        "versions": versions, "can_manage": can_manage,
        "drafts": RuleVersion.objects.filter(status=RuleVersion.Status.DRAFT).select_related("rule")
        if can_manage else [],
    })


@login_required
def rule(request, code: str):
    found = _rule(code)
    can_manage = may_manage_rules(get_access(request))
    versions = rule_versions(found, with_drafts=can_manage)
    return TemplateResponse(request, "rules/rule.html", {"rule": found, "versions": versions,
                                                         "can_manage": can_manage})


@_manager_required
def rule_create(request):
    form = RuleForm(request.POST or None, initial={"amount_mode": "fixed", "currency": "points"})
    if request.method == "POST" and form.is_valid():
        try:
            version = rule_services.rule_create(code=form.cleaned_data["code"], fields=form.version_fields(),
                                                actor=request.user, publish="publish" in request.POST)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Rule %(code)s saved as version %(number)s.")
                             % {"code": version.rule.code, "number": version.number})
            return redirect("rules:rule", code=version.rule.code)
    return TemplateResponse(request, "rules/rule_form.html", {"form": form, "rule": None})


@_manager_required
def rule_edit(request, code: str):
    found = _rule(code)
    base = rule_services.rule_base_version(found)
    form = RuleForm(request.POST or None, initial=RuleForm.initial_from(base) if base else None, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            version = rule_services.rule_version_save(rule=found, fields=form.version_fields(), actor=request.user,
                                                      publish="publish" in request.POST)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            if version.status == RuleVersion.Status.PUBLISHED:
                messages.success(request, _("Version %(number)s is now in force.") % {"number": version.number})
            else:
                messages.success(request, _("Saved as draft version %(number)s; simulate it, then put it in force.")
                                 % {"number": version.number})
            return redirect("rules:rule", code=found.code)
    return TemplateResponse(request, "rules/rule_form.html", {"form": form, "rule": found})


@_manager_required
@require_POST
def rule_publish(request, code: str):
    found = _rule(code)
    try:
        version = rule_services.rule_publish_draft(rule=found)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(number)s is now in force.") % {"number": version.number})
    return redirect("rules:rule", code=found.code)


@_manager_required
@require_POST
def rule_archive(request, code: str):
    found = _rule(code)
    rule_services.rule_archive(rule=found)
    messages.success(request, _("Rule %(code)s no longer applies to new events.") % {"code": found.code})
    return redirect("rules:rules")


@_manager_required
def ruleset_export(request):
    response = HttpResponse(yaml_io.export_ruleset(), content_type="application/yaml; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="jifen-rules-{stamp}.yaml"'
    return response


@_manager_required
def ruleset_import(request):
    form = RulesetImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        try:
            text = yaml_io.read_ruleset_file(form.cleaned_data["file"])
            summary = yaml_io.import_ruleset(text, actor=request.user, publish=form.cleaned_data["publish"])
        except ApplicationError as error:
            apply_error(form, error)
    return TemplateResponse(request, "rules/import.html", {"form": form, "summary": summary})


@_manager_required
def simulate(request):
    today = timezone.localdate()
    form = SimulationForm(request.GET or None, initial={"start": today.replace(day=1), "end": today})
    result = None
    if request.GET and form.is_valid():
        result = simulation.simulate_days(versions=simulation.draft_ruleset(), start=form.cleaned_data["start"],
                                          end=form.cleaned_data["end"])
    context = {"form": form, "result": result,
               "drafts": RuleVersion.objects.filter(status=RuleVersion.Status.DRAFT).select_related("rule")}
    if result is not None:
        gainers, losers = result.movers()
        context.update(gainers=gainers, losers=losers, currency_rows=list(result.currency_totals.items()),
                       departments=sorted(result.by_department.items()),
                       rules_rows=sorted(result.by_rule.items()),
                       scale=max([abs(t.actual) for t in result.by_rule.values()]
                                 + [abs(t.simulated) for t in result.by_rule.values()] + [1]))
    return TemplateResponse(request, "rules/simulate.html", context)
