from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.template.response import TemplateResponse

from jifen.org.permissions import Perm, get_access
from jifen.rules.models import Rule, RuleVersion


@login_required
def rules(request):
    """Every rule in force, in words: the rules are public to everyone they apply to."""
    versions = (
        RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED, rule__archived_at__isnull=True)
        .select_related("rule")
        .order_by("event_type", "rule__code")
    )
    return TemplateResponse(request, "rules/rules.html", {
        "versions": versions, "can_manage": get_access(request).has(Perm.RULES_MANAGE),
    })


@login_required
def rule(request, code: str):
    found = Rule.objects.filter(code=code).first()
    if found is None:
        raise Http404
    versions = found.versions.exclude(status=RuleVersion.Status.DRAFT).select_related("created_by")
    return TemplateResponse(request, "rules/rule.html", {"rule": found, "versions": versions})
