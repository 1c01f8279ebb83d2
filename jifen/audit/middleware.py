"""Who made a change: the signed-in person of a page, the token's user of an API call, or the command.

auditlog's own middleware reads ``request.user`` when the request comes in; a bearer token sets the user
later, inside the API's authentication. So the request itself is kept for the request's duration and the
actor is read from it when each log entry is written, whichever way the user was set.
"""

import sys
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete, pre_save

_request: ContextVar = ContextVar("jifen_audit_request", default=None)


class AuditMiddleware(AuditlogMiddleware):
    def __call__(self, request):
        token = _request.set(request)
        try:
            return super().__call__(request)
        finally:
            _request.reset(token)


class LogIsImmutable(Exception):
    """The audit log is written once and never changed or removed."""


def _source() -> dict:
    request = _request.get()
    if request is not None:
        via = "api" if request.path.startswith("/api/") else "web"
        found = {"via": via}
        token = getattr(request, "api_token", None)
        if token is not None:
            found["token"] = f"{token.name} ({token.prefix}…)"
        return found
    program = sys.argv[0].rsplit("/", 1)[-1] if sys.argv else ""
    if program in ("jifen", "manage.py", "__main__.py") and len(sys.argv) > 1:
        return {"via": "command", "command": sys.argv[1]}
    return {"via": "system"}


def _stamp(sender, instance: LogEntry, **kwargs) -> None:
    if not instance._state.adding:
        raise LogIsImmutable("An audit log entry cannot be changed.")
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    if instance.actor_id is None and isinstance(user, get_user_model()) and user.is_authenticated:
        instance.actor = user
        instance.actor_email = user.email or None
    data = dict(instance.additional_data or {}) if isinstance(instance.additional_data, dict) else {}
    data.update(_source())
    if instance.actor is not None:
        # Kept as it was then: the name reads the same if the login is renamed or removed later.
        data["actor_name"] = instance.actor.display_name
        data["actor_username"] = instance.actor.get_username()
    _compare_with_previous_version(instance, data)
    instance.additional_data = data


def _compare_with_previous_version(instance: LogEntry, data: dict) -> None:
    """A rule is changed by adding a version: its "before" is the version it follows (5 → 8), not nothing."""
    from auditlog.diff import get_field_value

    from jifen.rules.models import RuleVersion

    if instance.action != LogEntry.Action.CREATE or instance.content_type.model_class() is not RuleVersion:
        return
    version = RuleVersion.objects.filter(pk=instance.object_id).first()
    if version is None:
        return
    previous = (RuleVersion.objects.filter(rule_id=version.rule_id, number__lt=version.number)
                .order_by("-number").first())
    if previous is None or not isinstance(instance.changes, dict):
        return
    changes = {}
    for name, (old, new) in instance.changes.items():
        if name not in ("number", "status", "published_at", "created_by"):
            old = get_field_value(previous, RuleVersion._meta.get_field(name))
            if old == new:
                continue
        changes[name] = [old, new]
    instance.changes = changes
    data["compared_with"] = f"v{previous.number}"


def _refuse_delete(sender, instance: LogEntry, **kwargs) -> None:
    raise LogIsImmutable("An audit log entry cannot be removed.")


def connect() -> None:
    pre_save.connect(_stamp, sender=LogEntry, dispatch_uid="jifen_audit_stamp")
    pre_delete.connect(_refuse_delete, sender=LogEntry, dispatch_uid="jifen_audit_refuse_delete")
