from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ops.backup import backup_restore


class Command(BaseCommand):
    help = ("Restore an archive made by `jifen backup` into the configured database and media folder, "
            "migrate it to this code, then verify the ledger. Stop the app and the worker first.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive written by `jifen backup`")
        parser.add_argument("--yes", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, **options):
        try:
            result = backup_restore(archive_path=Path(options["path"]), overwrite=options["yes"])
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            _("Restored the backup of %(created)s (Jifen %(version)s, %(database)s): %(media)d media files.")
            % {"created": manifest["created_at"], "version": manifest["jifen_version"],
               "database": manifest["database_vendor"], "media": result.media_files}
        )
        if result.verified:
            self.stdout.write(result.verify_output)
            return
        self.stderr.write(result.verify_output)
        raise CommandError(_("The restored ledger failed verification."))
