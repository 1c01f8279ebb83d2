"""Roster import over the API: the same checks, scope and all-or-nothing commit as the page."""

from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from jifen.org import importing
from jifen.org.permissions import Perm, get_access

router = Router(tags=["roster import"])

MAX_ERRORS_RETURNED = 1000


class RowErrorOut(Schema):
    row: int
    column: str
    field: str
    message: str


class RosterImportOut(Schema):
    file_name: str
    dry_run: bool
    committed: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    units_to_create: list[str]
    error_rows: int
    error_count: int
    errors: list[RowErrorOut]
    ignored_columns: list[str]


@router.post("/org/imports/people", response={200: RosterImportOut})
def import_people(request, file: File[UploadedFile], dry_run: bool = True):
    """Check (``dry_run=true``, the default) or import a roster file (.xlsx or .csv).

    The answer counts the people to add, update and leave unchanged, the units to create, and
    lists each row error (row number, column, reason in the caller's language; at most 1000,
    ``error_count`` has them all). A commit with row errors imports nothing and answers 422 with
    the same fields; an unreadable file is a 400.
    """
    access = get_access(request)
    access.require(Perm.ROSTER_IMPORT)
    scope = access.scope(Perm.ROSTER_IMPORT)
    roster = importing.read_roster(importing.read_upload(file), file.name or "")
    if dry_run:
        result = importing.plan(roster, scope=scope)
    else:
        try:
            result = importing.commit(roster, scope=scope)
        except importing.ImportRejected as rejected:
            from jifen.api.api import problem

            body = rejected.plan.as_dict(max_errors=MAX_ERRORS_RETURNED)
            body.pop("file_name")
            return problem(request, 422, _("The import was refused."), str(rejected.message),
                           file_name=rejected.plan.file_name, dry_run=False, **body)
    return {"dry_run": dry_run, **result.as_dict(max_errors=MAX_ERRORS_RETURNED)}
