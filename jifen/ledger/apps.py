from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _currency_settings(sender, **kwargs):
    from jifen.ledger.services import ensure_currency_settings

    ensure_currency_settings()


class LedgerConfig(AppConfig):
    name = "jifen.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        post_migrate.connect(_currency_settings, sender=self, dispatch_uid="jifen_currency_settings")
