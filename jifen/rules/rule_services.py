"""Writing rules: every change is a new version; publishing one supersedes the version in force."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.rules.evaluation import CONDITION_KEYS
from jifen.rules.models import Rule, RuleVersion

RESERVED_CODES = {"new", "import", "simulate", "export"}
VERSION_FIELDS = (
    "name", "description", "event_type", "currency", "amount", "amount_mode", "score_step",
    "multiply_by_difficulty", "credit_source", "conditions", "cap_day", "cap_week", "cap_month", "cap_year",
    "once_per_course", "cooldown_minutes", "expiry_policy", "expiry_months", "active_from", "active_to",
)


def _check(fields: dict) -> dict:
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown rule fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    conditions = fields.get("conditions") or {}
    if not isinstance(conditions, dict) or set(conditions) - CONDITION_KEYS:
        raise ApplicationError(
            _("Unknown conditions: %(names)s") % {"names": ", ".join(sorted(set(conditions) - CONDITION_KEYS))},
            field="conditions",
        )
    if not str(fields.get("name", "")).strip():
        raise ApplicationError(_("A rule needs a name learners understand."), field="name")
    if fields.get("amount") in (None, 0):
        raise ApplicationError(_("A rule needs a non-zero amount."), field="amount")
    return fields


@transaction.atomic
def rule_create(*, code: str, fields: dict, actor=None, publish: bool = True, now: dt.datetime | None = None
                ) -> RuleVersion:
    code = (code or "").strip()
    if not code:
        raise ApplicationError(_("A rule needs a code."), field="code")
    if code in RESERVED_CODES:
        raise ApplicationError(_("“%(code)s” is reserved; choose another code.") % {"code": code}, field="code")
    if Rule.objects.filter(code=code).exists():
        raise ApplicationError(_("There is already a rule with the code %(code)s.") % {"code": code}, field="code")
    rule = Rule.objects.create(code=code)
    return rule_version_save(rule=rule, fields=fields, actor=actor, publish=publish, now=now)


@transaction.atomic
def rule_version_save(*, rule: Rule, fields: dict, actor=None, publish: bool = True,
                      now: dt.datetime | None = None) -> RuleVersion:
    """Save a change as a new version (or update the rule's open draft), and publish it if asked."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    _check(fields)
    draft = rule.versions.filter(status=RuleVersion.Status.DRAFT).first()
    if draft is None:
        last = rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
        draft = RuleVersion(rule=rule, number=last + 1, created_by=actor)
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.full_clean(exclude=["rule", "created_by"], validate_unique=False, validate_constraints=False)
    draft.save()
    if publish:
        return rule_publish(version=draft, now=now)
    return draft


@transaction.atomic
def rule_publish(*, version: RuleVersion, now: dt.datetime | None = None) -> RuleVersion:
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RuleVersion.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be put in force."))
    RuleVersion.objects.filter(rule_id=version.rule_id, status=RuleVersion.Status.PUBLISHED).update(
        status=RuleVersion.Status.SUPERSEDED)
    version.status = RuleVersion.Status.PUBLISHED
    version.published_at = now or timezone.now()
    version.save(update_fields=["status", "published_at"])
    return version


@transaction.atomic
def rule_archive(*, rule: Rule, now: dt.datetime | None = None) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    rule.archived_at = now or timezone.now()
    rule.save(update_fields=["archived_at"])
    return rule


def install_defaults() -> int:
    """Create the default rules that are missing (by code). Returns how many were created."""
    from jifen.rules.defaults import DEFAULT_RULES

    created = 0
    # Rule names are the organisation's data, written in its language (zh-hans by default).
    with translation.override(settings.LANGUAGE_CODE):
        for code, name, event_type, currency, amount, extra in DEFAULT_RULES:
            if Rule.objects.filter(code=code).exists():
                continue
            rule_create(code=code, fields={"name": str(name), "event_type": event_type, "currency": currency,
                                           "amount": amount, **extra})
            created += 1
    return created
