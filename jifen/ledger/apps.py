from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _currency_settings(sender, **kwargs):
    from jifen.ledger.services import ensure_currency_settings

    ensure_currency_settings()


def _person_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        from jifen.ledger.standings import sync_people

        sync_people([instance.pk])


def _people_changed(sender, person_ids, **kwargs):
    from jifen.ledger.standings import sync_people

    sync_people(person_ids)


class LedgerConfig(AppConfig):
    name = "jifen.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        post_migrate.connect(_currency_settings, sender=self, dispatch_uid="jifen_currency_settings")
        # A person's unit, position, hire date and status are copied into their standings (leaderboards).
        from jifen.org.models import Person
        from jifen.org.signals import people_changed

        post_save.connect(_person_saved, sender=Person, dispatch_uid="jifen_standings_person")
        people_changed.connect(_people_changed, dispatch_uid="jifen_standings_people")
