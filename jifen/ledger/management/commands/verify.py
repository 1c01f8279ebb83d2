from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.ledger import standings
from jifen.ledger.models import Account, Entry
from jifen.ledger.verify import adjustment_problems, duplicate_keys, verify_all


class Command(BaseCommand):
    help = "Check every ledger invariant; exit non-zero naming each account and entry at fault."

    def handle(self, *args, **options):
        problems = 0
        for problem in verify_all():
            problems += 1
            self.stderr.write(str(problem))
        for key, count in duplicate_keys().items():
            problems += 1
            self.stderr.write(f"idempotency key {key!r} is used by {count} entries")
        for problem in adjustment_problems():
            problems += 1
            self.stderr.write(problem)
        for problem in standings.problems():
            problems += 1
            self.stderr.write(problem)
        if problems:
            raise CommandError(_("The ledger failed verification: %(count)d problem(s).") % {"count": problems})
        self.stdout.write(
            _("The ledger verifies: %(accounts)d accounts, %(entries)d entries, every chain intact.")
            % {"accounts": Account.objects.count(), "entries": Entry.objects.count()}
        )
