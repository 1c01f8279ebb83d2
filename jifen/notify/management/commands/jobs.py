from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.notify import tasks


class Command(BaseCommand):
    help = ("Run background jobs now, without a worker (e.g. from cron): with no name, every job whose time has "
            "come; with names, those jobs for their current period. Each runs once per period: safe to repeat.")

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help=", ".join(tasks.JOBS))
        parser.add_argument("--deliver", action="store_true", help="Also send the deliveries that are due.")

    def handle(self, *args, names, deliver, **options):
        from django.utils import timezone

        unknown = [n for n in names if n not in tasks.JOBS]
        if unknown:
            raise CommandError(_("Unknown job(s): %(names)s. Known: %(known)s.") % {
                "names": ", ".join(unknown), "known": ", ".join(tasks.JOBS)})
        now = timezone.now()
        if names:
            ran = [name for name in names if tasks.JOBS[name][0](now)]
        else:
            ran = tasks.run_due(now)
        self.stdout.write(_("Ran: %(names)s.") % {"names": ", ".join(ran) or "-"})
        if deliver:
            counts = tasks.services.deliver_due(now=now)
            self.stdout.write(_("Deliveries: %(counts)s.") % {"counts": counts or "-"})
