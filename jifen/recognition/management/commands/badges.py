from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jifen.recognition.badges import award_due_for_everyone


class Command(BaseCommand):
    help = "Award every automatic badge that has been earned (first course, streaks, top ten of the month …)."

    def handle(self, *args, **options):
        awarded = award_due_for_everyone()
        self.stdout.write(_("%(count)d badge(s) awarded.") % {"count": awarded})
