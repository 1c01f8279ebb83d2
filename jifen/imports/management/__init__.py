"""`jifen import KIND FILE`: the bulk import of the web page, from a shell (jifen.org's import
command hands every kind but people — the roster keeps its own report — to ``run_import``)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.imports import services
from jifen.imports.kinds import Context, ImportRejected
from jifen.org.permissions import access_for_user


def run_import(command, *, what: str, path: Path, dry_run: bool, max_errors: int, username: str = "") -> None:
    user = access = None
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active login %(user)s.") % {"user": username})
        access = access_for_user(user)
    try:
        kind = services.kind_for(what, access)
    except ApplicationError as error:
        raise CommandError(str(error.message)) from error
    except Exception as error:  # PermissionDenied
        raise CommandError(_("%(user)s may not import %(kind)s.") % {"user": username, "kind": what}) from error
    if kind.needs_user and user is None:
        raise CommandError(_("Say who proposes these adjustments: --user LOGIN."))
    ctx = Context(user=user, access=access)
    total = [0]

    def progress(done: int) -> None:
        if total[0] >= 5000 and done < total[0]:
            command.stderr.write(f"\r{done}/{total[0]}", ending="")

    try:
        table = kind.read(path.read_bytes(), path.name)
        total[0] = len(table.rows)
        if dry_run:
            plan = kind.check(table, ctx)
        else:
            try:
                plan = kind.commit(table, ctx, progress)
            except ImportRejected as rejected:
                plan = rejected.plan
    except ApplicationError as error:
        raise CommandError(str(error.message)) from error
    out = command.stdout
    if total[0] >= 5000 and not dry_run:
        command.stderr.write("")
    out.write(_("%(file)s: %(rows)d rows") % {"file": plan.file_name, "rows": plan.rows})
    if plan.ignored_columns:
        out.write("  " + _("Columns not imported: %(columns)s") % {"columns": ", ".join(plan.ignored_columns)})
    if plan.committed:
        out.write("  " + _("Added: %(count)d") % {"count": plan.new})
        out.write("  " + _("Changed: %(count)d") % {"count": plan.changed})
    else:
        out.write("  " + _("To add: %(count)d") % {"count": plan.new})
        out.write("  " + _("To change: %(count)d") % {"count": plan.changed})
    out.write("  " + _("Already imported: %(count)d") % {"count": plan.unchanged})
    for note in plan.notes:
        out.write("  " + note)
    for error in plan.errors[:max_errors]:
        command.stderr.write(_("Row %(row)d, %(column)s: %(message)s")
                             % {"row": error.row, "column": error.column, "message": error.message})
    if len(plan.errors) > max_errors:
        command.stderr.write(_("… and %(count)d more errors.") % {"count": len(plan.errors) - max_errors})
    if plan.errors:
        raise CommandError(
            ngettext("%(rows)d row of %(total)d has errors; nothing was imported.",
                     "%(rows)d rows of %(total)d have errors; nothing was imported.", plan.error_rows)
            % {"rows": plan.error_rows, "total": plan.rows}
        )
    if plan.committed and plan.changes:
        out.write(command.style.SUCCESS(_("Imported.")))
    elif plan.committed:
        out.write(command.style.SUCCESS(_("Every row is already imported: nothing changed.")))
    elif plan.ok:
        out.write(command.style.SUCCESS(_("No errors: run again without --dry-run to import.")))
