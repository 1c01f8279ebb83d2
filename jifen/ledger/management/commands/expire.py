from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jifen.ledger.services import expire_due_lots


class Command(BaseCommand):
    help = "Write expiry entries for every lot whose time has come (safe to run at any time)."

    def handle(self, *args, **options):
        count = expire_due_lots()
        self.stdout.write(_("%(count)d lot(s) expired.") % {"count": count})
