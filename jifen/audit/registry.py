"""Which models are configuration, and so audited: who changed them, when, from what to what.

Only what admins set up (rules, rewards, roles, settings, integrations, templates) is here; the facts
(events, entries, attendance, notifications...) are high-volume and have their own records. Secrets and
hashes never enter the log: hashes are left out, secrets and webhook addresses are masked.
Bulk writes (``bulk_create``, queryset ``update``) send no signals and so are not logged one by one:
the roster import keeps its own record of each run.
"""

from urllib.parse import urlsplit

from auditlog.registry import auditlog
from django.apps import apps
from django.utils.translation import gettext_lazy as _

HIDDEN = "••••••"
ALWAYS_LEFT_OUT = ("id", "created_at", "updated_at")

# Kind of configuration -> (label, models as "app_label.Model"). The page filters by these kinds.
KINDS: dict[str, tuple] = {
    "rules": (_("Rules"), ("rules.Rule", "rules.RuleVersion", "xapi.VerbMapping", "xapi.ActivityMapping")),
    "rewards": (_("Rewards"), ("rewards.Reward",)),
    "roles": (_("Roles"), ("org.RoleAssignment",)),
    "organisation": (_("Organisation and positions"), ("org.OrgUnit", "org.Position")),
    "settings": (_("Settings, levels and badges"), (
        "recognition.RecognitionSettings", "recognition.Level", "recognition.Badge", "ledger.CurrencySettings",
        "catalog.CreditPolicy")),
    "integrations": (_("Integrations and tokens"), ("notify.Channel", "api.ApiToken", "xapi.XapiClient")),
    "tracking": (_("Follow-up templates and forms"), (
        "followup.PlanTemplate", "followup.TemplateActivity", "instruments.Form", "instruments.FormVersion",
        "instruments.Question")),
}

# Per model: what auditlog is told beyond the defaults.
OPTIONS: dict[str, dict] = {
    "rewards.Reward": {"m2m_fields": {"units", "positions"}},
    # A unit's place in the tree shows as its full name; treebeard's bookkeeping is left out.
    "org.OrgUnit": {"include_fields": ["name", "name_path", "kind", "code", "archived_at"]},
    "notify.Channel": {"mask_fields": ["secret", "url"], "mask_callable": "jifen.audit.registry.hide"},
    "api.ApiToken": {"exclude_fields": ["key_hash", "last_used_at"]},
    "xapi.XapiClient": {"exclude_fields": ["secret_hash"]},
}


def hide(value: str) -> str:
    """A secret is shown as changed, never as itself; of a webhook address only its host is shown
    (a WeCom robot's address carries its key)."""
    if value in ("", "None"):
        return ""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.hostname}/{HIDDEN}"
    return HIDDEN


def audited_models() -> list:
    return [apps.get_model(label) for _label, labels in KINDS.values() for label in labels]


def kind_of(model) -> str | None:
    label = model._meta.label
    return next((kind for kind, (_name, labels) in KINDS.items() if label in labels), None)


def register_configuration_models() -> None:
    for _name, labels in KINDS.values():
        for label in labels:
            model = apps.get_model(label)
            if not auditlog.contains(model):
                options = dict(OPTIONS.get(label, {}))
                # The key and the creation time say nothing the log entry does not say already.
                options["exclude_fields"] = [*options.get("exclude_fields", []), *ALWAYS_LEFT_OUT]
                auditlog.register(model, **options)
