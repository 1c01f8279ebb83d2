from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jifen.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from jifen.core import db  # noqa: F401  (registers the ``__any`` lookup)
        from jifen.core.admin_site import restrict_admin_site

        restrict_admin_site()
