from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jifen.tracking.growth.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate improvement actions past their deadline (each once per deadline); safe to run daily."

    def handle(self, *args, **options):
        made = escalate_overdue()
        self.stdout.write(_("%(n)d overdue improvement action(s) escalated.") % {"n": len(made)})
