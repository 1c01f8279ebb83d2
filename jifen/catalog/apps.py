from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "jifen.catalog"
    label = "catalog"
    verbose_name = _("Course catalog")

    def ready(self):
        from jifen.catalog.models import CreditPolicy
        from jifen.core.config_cache import forget_on_change

        forget_on_change(CreditPolicy, "credit-policy")
