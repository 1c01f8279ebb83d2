"""`jifen import people FILE [--dry-run]`: the roster import of the web page, from a shell."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.org import importing


class Command(BaseCommand):
    help = (
        "Import a file (.xlsx or .csv) of people (the roster: employee_no, name, org_unit, position, manager_no, "
        "email, phone, hire_date, status), attendance, exam_scores, homework, participation, contributions or "
        "adjustments. All or nothing; with --dry-run only check it. Exits with status 1 when any row has an error."
    )

    def add_arguments(self, parser):
        from jifen.imports.kinds import KINDS

        parser.add_argument("what", choices=list(KINDS), help="What to import: " + ", ".join(KINDS) + ".")
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; change nothing.")
        parser.add_argument("--max-errors", type=int, default=200, help="Print at most this many row errors.")
        parser.add_argument("--user", default="", help="Import as this login (its permissions and scope); "
                                                       "required for adjustments, which it proposes.")

    def handle(self, *args, what, file, dry_run, max_errors, user="", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": file})
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(_("The file is larger than %(size)s, the most an import accepts.")
                               % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)})
        if what != "people" or user:
            from jifen.imports.management import run_import

            return run_import(self, what=what, path=path, dry_run=dry_run, max_errors=max_errors, username=user)
        try:
            roster = importing.read_roster(path.read_bytes(), path.name)
            if dry_run:
                result = importing.plan(roster)
            else:
                try:
                    result = importing.commit(roster)
                except importing.ImportRejected as rejected:
                    result = rejected.plan
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self._report(result, dry_run=dry_run, max_errors=max_errors)
        if result.errors:
            raise CommandError(
                ngettext("%(rows)d row of %(total)d has errors; nothing was imported.",
                         "%(rows)d rows of %(total)d have errors; nothing was imported.", result.error_rows)
                % {"rows": result.error_rows, "total": result.rows}
            )

    def _report(self, result: importing.ImportPlan, *, dry_run: bool, max_errors: int) -> None:
        out = self.stdout
        out.write(_("%(file)s: %(rows)d rows") % {"file": result.file_name, "rows": result.rows})
        if result.ignored_columns:
            out.write("  " + _("Columns not imported: %(columns)s") % {"columns": ", ".join(result.ignored_columns)})
        if result.committed:
            out.write("  " + _("Added: %(count)d") % {"count": result.created})
            out.write("  " + _("Updated: %(count)d") % {"count": result.updated})
        else:
            out.write("  " + _("To add: %(count)d") % {"count": result.created})
            out.write("  " + _("To update: %(count)d") % {"count": result.updated})
        out.write("  " + _("Unchanged: %(count)d") % {"count": result.unchanged})
        if result.units_to_create:
            out.write("  " + _("New units: %(count)d") % {"count": len(result.units_to_create)})
            for unit in result.units_to_create:
                out.write(f"    {unit}")
        for error in result.errors[:max_errors]:
            self.stderr.write(_("Row %(row)d, %(column)s: %(message)s")
                              % {"row": error.row, "column": error.column, "message": error.message})
        if len(result.errors) > max_errors:
            self.stderr.write(_("… and %(count)d more errors.") % {"count": len(result.errors) - max_errors})
        if result.committed and result.changes:
            out.write(self.style.SUCCESS(_("Imported.")))
        elif result.committed:
            out.write(self.style.SUCCESS(_("Every row already matches the roster: nothing changed.")))
        elif dry_run and result.ok:
            out.write(self.style.SUCCESS(_("No errors: run again without --dry-run to import.")))
