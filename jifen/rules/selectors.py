"""Reads of the rules for other apps."""

from __future__ import annotations

from jifen.rules.models import RuleVersion


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
