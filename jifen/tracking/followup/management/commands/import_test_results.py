"""`jifen import_test_results PLAN_ID FILE [--dry-run]`: a tracking plan's test results from a file, as
the plan's import page does it, from a shell."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.tracking.followup import importing
from jifen.tracking.followup.models import Plan


class Command(BaseCommand):
    help = (
        "Import the knowledge and skill test results of a tracking plan from a file (.xlsx or .csv; columns "
        "工号 / employee_no, 成绩 / score, optional 培训前成绩 / pre_score and 考核日期 / taken_on). All or nothing; "
        "with --dry-run only check it. Exits with status 1 when any row has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("plan_id", type=int, help="The tracking plan's number (as in its page's address).")
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; change nothing.")
        parser.add_argument("--max-errors", type=int, default=200, help="Print at most this many row errors.")

    def handle(self, *args, plan_id, file, dry_run, max_errors, **options):
        plan = Plan.objects.select_related("template", "session", "programme", "course").filter(pk=plan_id).first()
        if plan is None:
            raise CommandError(_("There is no tracking plan %(id)d.") % {"id": plan_id})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": file})
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(_("The file is larger than %(size)s, the most an import accepts.")
                               % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)})
        try:
            table = importing.read(path.read_bytes(), path.name)
            if dry_run:
                result = importing.check(plan=plan, table=table)
            else:
                try:
                    result = importing.commit(plan=plan, table=table)
                except importing.TestImportRejected as rejected:
                    result = rejected.result
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self._report(result, dry_run=dry_run, max_errors=max_errors)
        if result.errors:
            raise CommandError(
                ngettext("%(rows)d row of %(total)d has errors; nothing was imported.",
                         "%(rows)d rows of %(total)d have errors; nothing was imported.", result.error_rows)
                % {"rows": result.error_rows, "total": result.rows}
            )

    def _report(self, result: importing.TestImport, *, dry_run: bool, max_errors: int) -> None:
        out = self.stdout
        out.write(_("%(file)s: %(rows)d rows") % {"file": result.file_name, "rows": result.rows})
        out.write("  " + _("New results: %(count)d") % {"count": result.created})
        out.write("  " + _("Changed scores: %(count)d") % {"count": result.updated})
        out.write("  " + _("Unchanged: %(count)d") % {"count": result.unchanged})
        grades = "  ".join(f"{label} {n}" for _value, label, n in result.grade_counts())
        out.write("  " + _("Grades: %(grades)s") % {"grades": grades})
        if result.ignored_columns:
            out.write("  " + _("Columns not imported: %(columns)s") % {"columns": ", ".join(result.ignored_columns)})
        for error in result.errors[:max_errors]:
            self.stderr.write(_("Row %(row)d, %(column)s: %(message)s")
                              % {"row": error.row, "column": error.column, "message": error.message})
        if len(result.errors) > max_errors:
            self.stderr.write(_("… and %(count)d more errors.") % {"count": len(result.errors) - max_errors})
        if result.committed and result.changes:
            out.write(self.style.SUCCESS(_("Imported.")))
        elif result.committed:
            out.write(self.style.SUCCESS(_("Every row already matches the recorded results: nothing changed.")))
        elif dry_run and result.ok:
            out.write(self.style.SUCCESS(_("No errors: run again without --dry-run to import.")))
