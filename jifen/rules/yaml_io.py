"""A whole ruleset as YAML: exported for review or for another installation, imported back as new
versions (never by editing old ones)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.rules import rule_services
from jifen.rules.models import Rule, RuleVersion

FORMAT = "jifen-ruleset/1"
MAX_FILE_BYTES = 1024 * 1024
DECIMAL_FIELDS = ("amount", "score_step", "cap_day", "cap_week", "cap_month", "cap_year")


def _plain(version: RuleVersion) -> dict:
    data = {}
    for name in rule_services.VERSION_FIELDS:
        value = getattr(version, name)
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        if value in (None, "", {}, False, 0) and name not in ("amount",):
            continue
        data[name] = value
    return data


def export_ruleset() -> str:
    rules = []
    versions = RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED, rule__archived_at__isnull=True
    ).select_related("rule").order_by("rule__code")
    for version in versions:
        rules.append({"code": version.rule.code, "version": version.number, **_plain(version)})
    return yaml.safe_dump({"format": FORMAT, "rules": rules}, allow_unicode=True, sort_keys=False)


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _coerce(code: str, raw: dict) -> dict:
    fields = {k: v for k, v in raw.items() if k not in ("code", "version")}
    unknown = {str(name) for name in fields} - set(rule_services.VERSION_FIELDS)
    if unknown:
        raise ApplicationError(_("Rule %(code)s: unknown fields %(fields)s.")
                               % {"code": code, "fields": ", ".join(sorted(unknown))})
    for name in DECIMAL_FIELDS:
        if fields.get(name) is not None:
            try:
                fields[name] = Decimal(str(fields[name]))
            except InvalidOperation as exc:
                raise ApplicationError(_("Rule %(code)s: %(field)s must be a number.")
                                       % {"code": code, "field": name}) from exc
    for name in ("active_from", "active_to"):
        if isinstance(fields.get(name), str):
            try:
                fields[name] = dt.datetime.fromisoformat(fields[name])
            except ValueError as exc:
                raise ApplicationError(_("Rule %(code)s: %(field)s must be a date and time.")
                                       % {"code": code, "field": name}) from exc
    return fields


def read_ruleset_file(upload) -> str:
    """The text of an uploaded ruleset: at most 1 MB of UTF-8 (a byte-order mark is dropped)."""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ApplicationError(_("A ruleset file can be at most 1 MB."), field="file")
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ApplicationError(_("A ruleset file can be at most 1 MB."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(_("The file must be UTF-8 text."), field="file") from exc


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary):
        self.summary = summary


def import_ruleset(text: str, *, actor=None, publish: bool = False, dry_run: bool = False) -> ImportSummary:
    """All or nothing: a bad rule anywhere in the file imports nothing. A dry run checks every rule the
    same way and answers what an import would do, then undoes it all."""
    try:
        with transaction.atomic():
            summary = _import(text, actor=actor, publish=publish)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as undone:
        return undone.summary
    return summary


def _import(text: str, *, actor, publish: bool) -> ImportSummary:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ApplicationError(_("This is not a readable YAML file: %(error)s") % {"error": exc}) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("rules"), list):
        raise ApplicationError(_("This is not a Jifen ruleset (format %(format)s).") % {"format": FORMAT})
    summary = ImportSummary()
    for raw in document["rules"]:
        if not isinstance(raw, dict) or not raw.get("code"):
            raise ApplicationError(_("Every rule in the file needs a code."))
        code = str(raw["code"])
        fields = _coerce(code, raw)
        rule = Rule.objects.filter(code=code).first()
        if rule is None:
            rule_services.rule_create(code=code, fields=_complete(fields), actor=actor, publish=publish)
            summary.created.append(code)
            continue
        current = rule.versions.filter(status=RuleVersion.Status.PUBLISHED).first()
        merged = {**({n: getattr(current, n) for n in rule_services.VERSION_FIELDS} if current else {}), **fields}
        if current is not None and _plain(current) == _plain(RuleVersion(rule=rule, **merged)):
            summary.unchanged.append(code)
            continue
        rule_services.rule_version_save(rule=rule, fields=merged, actor=actor, publish=publish)
        summary.changed.append(code)
    return summary


def _complete(fields: dict) -> dict:
    defaults = {"description": "", "conditions": {}, "expiry_policy": ""}
    return {**defaults, **fields}
