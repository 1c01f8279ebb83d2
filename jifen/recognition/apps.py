from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "jifen.recognition"
    label = "recognition"
    verbose_name = _("Recognition")

    def ready(self):
        post_migrate.connect(_install_default_levels, sender=self, dispatch_uid="jifen_default_levels")
        from jifen.core.config_cache import forget_on_change
        from jifen.recognition.models import Level, RecognitionSettings

        forget_on_change(Level, "levels")
        forget_on_change(RecognitionSettings, "recognition-settings")


def _install_default_levels(sender, using="default", **kwargs):
    from jifen.recognition.defaults import DEFAULT_BADGES, DEFAULT_LEVELS
    from jifen.recognition.models import Badge, Level

    if not Badge.objects.using(using).exists():
        with translation.override(settings.LANGUAGE_CODE):
            Badge.objects.using(using).bulk_create([
                Badge(code=code, name=str(name), description=str(text), criterion=criterion, threshold=threshold,
                      color=color, symbol=symbol, granted_by=granter, monthly_limit=limit)
                for code, name, text, criterion, threshold, color, symbol, granter, limit in DEFAULT_BADGES
            ])
    if not Level.objects.using(using).exists():
        # Stored in the installation's language: level names are data that admins then edit.
        with translation.override(settings.LANGUAGE_CODE):
            Level.objects.using(using).bulk_create([
                Level(name=str(name), min_points=points, description=str(text)) for name, points, text in DEFAULT_LEVELS
            ])
        from jifen.core.config_cache import forget

        forget("levels")
