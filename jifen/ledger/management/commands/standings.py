from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.ledger import standings


class Command(BaseCommand):
    help = ("Check the leaderboards' standings (points earned per person and period) against the entries; "
            "--rebuild computes them again from the entries.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute every standing from the entries.")

    def handle(self, *args, rebuild, **options):
        if rebuild:
            rows = standings.rebuild()
            self.stdout.write(_("Standings rebuilt from the entries: %(rows)d rows.") % {"rows": rows})
            return
        problems = standings.problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(_("%(count)d standing(s) differ from the entries; run jifen standings --rebuild.")
                               % {"count": len(problems)})
        self.stdout.write(_("The standings match the entries."))
