"""Reading the audit log: the changes, newest first, filtered; each shown as who, when, what, and per field
its value before and after, in words (choices by their label, yes/no, local times, plain numbers)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.audit import registry

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
}
ACTION_CODES = {LogEntry.Action.CREATE: "create", LogEntry.Action.UPDATE: "update", LogEntry.Action.DELETE: "delete"}


# Days outside these bounds filter nothing out (and stay clear of the calendar's first and last day).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9999, 1, 1)


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    actor: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive: the whole day


def _content_types(kind: str = "") -> list[int]:
    kinds = [kind] if kind in registry.KINDS else list(registry.KINDS)
    models = [m for m in registry.audited_models() if registry.kind_of(m) in kinds]
    return [ct.pk for ct in ContentType.objects.get_for_models(*models, for_concrete_models=False).values()]


def changes(filters: Filters = Filters()) -> QuerySet[LogEntry]:
    found = LogEntry.objects.filter(content_type__in=_content_types(filters.kind),
                                    action__in=list(ACTION_CODES)).select_related("content_type")
    if filters.actor is not None:
        found = found.filter(actor_id=filters.actor)
    codes = {code: action for action, code in ACTION_CODES.items()}
    if filters.action in codes:
        found = found.filter(action=codes[filters.action])
    zone = timezone.get_current_timezone()
    if filters.date_from and filters.date_from > EARLIEST:
        found = found.filter(timestamp__gte=dt.datetime.combine(filters.date_from, dt.time(), zone))
    if filters.date_to and filters.date_to < LATEST:
        found = found.filter(timestamp__lt=dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), zone))
    elif filters.date_to and filters.date_to < EARLIEST:
        found = found.none()
    return found.order_by("-timestamp", "-pk")


def actors() -> list[tuple[int, str]]:
    """Everyone who has changed something, for the filter (as they were named when they did)."""
    rows = (LogEntry.objects.filter(actor__isnull=False, content_type__in=_content_types())
            .order_by("actor_id", "-timestamp").values_list("actor_id", "additional_data"))
    named: dict[int, str] = {}
    for actor_id, data in rows:
        if actor_id not in named:
            named[actor_id] = _actor_label(data or {}, None)
    return sorted(named.items(), key=lambda item: item[1])


# ---------------------------------------------------------------- presentation


@dataclass(frozen=True)
class FieldChange:
    field: str
    name: str
    before: str
    after: str


def _actor_label(data: dict, email: str | None) -> str:
    name, username = data.get("actor_name"), data.get("actor_username")
    if name:
        return f"{name} ({username})" if username and username != name else name
    return email or ""


def who(entry: LogEntry) -> str:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    label = _actor_label(data, entry.actor_email)
    if label:
        return label
    if data.get("via") == "command":
        return _("System (command %(command)s)") % {"command": data.get("command", "")}
    return _("System")


def via(entry: LogEntry) -> str:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    if data.get("token"):
        return _("API, token %(token)s") % {"token": data["token"]}
    return {"api": _("API"), "web": _("Web"), "command": _("Command")}.get(data.get("via", ""), "")


def kind_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


def _plain(field, value) -> str:
    if value is None or value == "None":
        return ""
    if isinstance(value, dict):  # an m2m change
        return ", ".join(value.get("objects", []))
    text = str(value)
    if field is None:
        return text
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(text, text))
    internal = field.get_internal_type() if hasattr(field, "get_internal_type") else ""
    if internal == "BooleanField":
        return _("Yes") if text == "True" else _("No") if text == "False" else text
    if internal == "DecimalField":
        try:
            return format(Decimal(text).normalize(), "f")
        except InvalidOperation:
            return text
    if internal == "DateTimeField":
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)  # auditlog keeps times as naive UTC
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return text


def field_changes(entry: LogEntry) -> list[FieldChange]:
    model = entry.content_type.model_class()
    found = []
    for name, values in (entry.changes or {}).items():
        try:
            field = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            field = None
        if field is not None and field.auto_created and not field.concrete:
            continue  # a reverse relation (another model's key to this one) says nothing about this object
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = ", ".join(values.get("objects", []))
            if values.get("operation") == "add":
                found.append(FieldChange(name, label, "", "+ " + objects))
            else:
                found.append(FieldChange(name, label, "− " + objects, ""))
            continue
        before, after = [*values, None, None][:2] if isinstance(values, list) else (None, None)
        found.append(FieldChange(name, label, _plain(field, before), _plain(field, after)))
    return found


@dataclass(frozen=True)
class Change:
    id: int
    at: dt.datetime
    who: str
    actor_id: int | None
    via: str
    kind: str
    object: str
    object_id: str
    action: str
    action_label: str
    fields: list[FieldChange]
    compared_with: str


def present(entry: LogEntry) -> Change:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    return Change(
        id=entry.pk, at=entry.timestamp, who=who(entry), actor_id=entry.actor_id, via=via(entry),
        kind=kind_label(entry), object=entry.object_repr, object_id=entry.object_pk,
        action=ACTION_CODES.get(entry.action, ""), action_label=str(ACTIONS.get(entry.action, "")),
        fields=field_changes(entry), compared_with=data.get("compared_with", ""),
    )
