from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ops.backup import backup_create


class Command(BaseCommand):
    help = ("Write one archive with the database (SQLite online backup or pg_dump), the media files and a "
            "manifest of checksums. PATH is a file (.tar.gz) or a folder; default: JIFEN_DATA_DIR/backups/.")

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="archive file (.tar.gz) or folder to write it in")

    def handle(self, *args, **options):
        try:
            result = backup_create(path=Path(options["path"]) if options["path"] else None)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s bytes, %(database)s database, %(media)d media files).")
            % {"path": result.path, "size": result.size, "database": result.manifest["database_vendor"],
               "media": result.members - 2}
        )
