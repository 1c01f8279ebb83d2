"""Reads of the rules for other apps."""

from __future__ import annotations

from django.db.models import QuerySet

from jifen.org.permissions import Perm
from jifen.rules.models import Rule, RuleVersion


def may_manage_rules(access) -> bool:
    """Rules apply to the whole organisation: changing them (and seeing drafts) needs RULES_MANAGE over
    all of it."""
    return access.scope(Perm.RULES_MANAGE).everything


def rule_versions(rule: Rule, *, with_drafts: bool) -> QuerySet[RuleVersion]:
    """A rule's versions, newest first; drafts only for those who manage the rules."""
    versions = rule.versions.select_related("created_by")
    return versions if with_drafts else versions.exclude(status=RuleVersion.Status.DRAFT)


def rule_names(codes: list[str]) -> dict[str, str]:
    """Entries carry their rule's code; people read its name (the latest version's). One query; a code
    without a rule (an import's or a test's label) stands for itself."""
    names = {code: code for code in codes if code}
    named: set[str] = set()
    for code, name in (RuleVersion.objects.filter(rule__code__in=list(names)).order_by("rule__code", "-number")
                       .values_list("rule__code", "name")):
        if code not in named:
            names[code] = name
            named.add(code)
    return names
