"""Writing rules: every change is a new version; publishing one supersedes the version in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
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
LIST_CONDITIONS = ("course_kinds", "course_categories", "deliveries", "course_codes", "units", "positions")
NUMBER_CONDITIONS = ("min_score", "max_score")


def _condition_of_the_wrong_kind(name: str, value) -> bool:
    if name in LIST_CONDITIONS:
        return not isinstance(value, list) or not all(isinstance(item, str) for item in value)
    if name in NUMBER_CONDITIONS:
        return isinstance(value, bool) or not isinstance(value, int | float | Decimal)
    if name == "passed":
        return not isinstance(value, bool)
    return False


def _check(fields: dict) -> dict:
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown rule fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    conditions = fields.get("conditions") or {}
    if not isinstance(conditions, dict):
        raise ApplicationError(_("The conditions must be a mapping of condition names to values."),
                               field="conditions")
    if set(conditions) - CONDITION_KEYS:
        raise ApplicationError(
            _("Unknown conditions: %(names)s") % {"names": ", ".join(sorted(set(conditions) - CONDITION_KEYS))},
            field="conditions",
        )
    for name, value in conditions.items():
        if _condition_of_the_wrong_kind(name, value):
            raise ApplicationError(_("The condition %(name)s has a value of the wrong kind.") % {"name": name},
                                   field="conditions")
    if not str(fields.get("name", "")).strip():
        raise ApplicationError(_("A rule needs a name learners understand."), field="name")
    if fields.get("amount") in (None, 0):
        raise ApplicationError(_("A rule needs a non-zero amount."), field="amount")
    step = fields.get("score_step")
    if step is not None and not isinstance(step, bool) and isinstance(step, int | float | Decimal) and step <= 0:
        raise ApplicationError(_("The score step must be more than zero."), field="score_step")
    start, end = fields.get("active_from"), fields.get("active_to")
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end <= start:
        raise ApplicationError(_("The end must come after the start."), field="active_to")
    return fields


def _without_nulls(fields: dict) -> dict:
    """No value (``None``) for a field that cannot be empty: blank text and no conditions, or a refusal."""
    clean = dict(fields)
    for name, value in fields.items():
        field = RuleVersion._meta.get_field(name)
        if value is not None or field.null:
            continue
        if name == "conditions":
            clean[name] = {}
        elif field.blank and field.get_internal_type() in ("CharField", "TextField"):
            clean[name] = ""
        else:
            raise ApplicationError(f"{field.verbose_name}: {field.error_messages['null']}", field=name)
    return clean


def _refusal(error: ValidationError) -> ApplicationError:
    """A model check's refusal (a choice, a length, a number of digits) as the service's own."""
    if hasattr(error, "error_dict"):
        name, problems = next(iter(error.message_dict.items()))
        try:
            label = RuleVersion._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            return ApplicationError(problems[0])
        return ApplicationError(f"{label}: {problems[0]}", field=name)
    return ApplicationError(error.messages[0])


@transaction.atomic
def rule_create(*, code: str, fields: dict, actor=None, publish: bool = True, now: dt.datetime | None = None
                ) -> RuleVersion:
    code = (code or "").strip()
    if not code:
        raise ApplicationError(_("A rule needs a code."), field="code")
    try:
        Rule._meta.get_field("code").run_validators(code)  # letters, digits, "-" and "_"; at most 60
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="code") from error
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
    fields = _without_nulls(_check(fields))
    draft = rule.versions.filter(status=RuleVersion.Status.DRAFT).first()
    if draft is None:
        last = rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
        draft = RuleVersion(rule=rule, number=last + 1, created_by=actor)
    for name, value in fields.items():
        setattr(draft, name, value)
    try:
        draft.full_clean(exclude=["rule", "created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _refusal(error) from error
    draft.save()
    if publish:
        return rule_publish(version=draft, now=now)
    return draft


@transaction.atomic
def rule_publish(*, version: RuleVersion, now: dt.datetime | None = None) -> RuleVersion:
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RuleVersion.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be put in force."), code="conflict")
    RuleVersion.objects.filter(rule_id=version.rule_id, status=RuleVersion.Status.PUBLISHED).update(
        status=RuleVersion.Status.SUPERSEDED)
    version.status = RuleVersion.Status.PUBLISHED
    version.published_at = now or timezone.now()
    version.save(update_fields=["status", "published_at"])
    return version


def rule_base_version(rule: Rule) -> RuleVersion | None:
    """What a change starts from: the rule's draft, else the version in force, else its latest version."""
    return (rule.versions.filter(status=RuleVersion.Status.DRAFT).first()
            or rule.versions.filter(status=RuleVersion.Status.PUBLISHED).first()
            or rule.versions.order_by("-number").first())


@transaction.atomic
def rule_publish_draft(*, rule: Rule, number: int | None = None, now: dt.datetime | None = None) -> RuleVersion:
    """Put the rule's draft in force; with ``number``, only if that version is the draft."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    draft = rule.versions.filter(status=RuleVersion.Status.DRAFT).first()
    if number is not None and (draft is None or draft.number != number):
        if rule.versions.filter(number=number).exists():
            raise ApplicationError(_("Only a draft can be put in force."), code="conflict")
        raise ApplicationError(_("This rule has no version %(number)s.") % {"number": number}, field="version",
                               code="not_found")
    if draft is None:
        raise ApplicationError(_("This rule has no draft to put in force."), code="conflict")
    return rule_publish(version=draft, now=now)


@transaction.atomic
def rule_archive(*, rule: Rule, now: dt.datetime | None = None) -> Rule:
    """Archived once: archiving again keeps the first time (and writes nothing)."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.archived_at is None:
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
