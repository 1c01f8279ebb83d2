from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jifen.recognition.certificates import issue_due_for_everyone


class Command(BaseCommand):
    help = "Issue every certificate that is due (course completions, levels reached, annual credits met)."

    def handle(self, *args, **options):
        issued = issue_due_for_everyone()
        self.stdout.write(_("%(count)d certificate(s) issued.") % {"count": issued})
