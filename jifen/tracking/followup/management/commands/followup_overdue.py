from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.tracking.followup.services import tasks_mark_overdue


class Command(BaseCommand):
    help = "Mark open follow-up tasks past their due date as overdue (run daily; idempotent)."

    def handle(self, *args, **options):
        count = tasks_mark_overdue(today=timezone.localdate())
        self.stdout.write(_("%(n)d follow-up task(s) are now overdue.") % {"n": count})
