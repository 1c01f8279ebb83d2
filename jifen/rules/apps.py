from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_default_ruleset(sender, using="default", **kwargs):
    from jifen.rules.models import Rule
    from jifen.rules.rule_services import install_defaults

    if not Rule.objects.using(using).exists():
        install_defaults()


class RulesConfig(AppConfig):
    name = "jifen.rules"
    label = "rules"
    verbose_name = _("Rules")

    def ready(self):
        # A new installation starts with seed 002's ruleset; an existing one keeps its own.
        post_migrate.connect(_install_default_ruleset, sender=self, dispatch_uid="jifen_default_ruleset")
