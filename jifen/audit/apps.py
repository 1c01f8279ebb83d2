from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jifen.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from jifen.audit import middleware, registry

        registry.register_configuration_models()
        middleware.connect()
