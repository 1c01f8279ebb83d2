"""Bulk imports over the API: the same kinds, checks, scope and all-or-nothing commit as the pages.

``POST /imports/{kind}`` checks (``dry_run=true``, the default) or imports a file; ``GET
/imports/{kind}/template`` is the template. A commit with row errors imports nothing and answers 422
(problem+json with the rows' errors); an unreadable file is a 400; a kind one may not import is 403.
"""

from typing import Literal

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from jifen.core.errors import ApplicationError
from jifen.imports import services
from jifen.imports.kinds import Context, ImportRejected
from jifen.org.importing import read_upload
from jifen.org.permissions import get_access

router = Router(tags=["bulk imports"])

MAX_ERRORS_RETURNED = 1000


class RowErrorOut(Schema):
    row: int
    column: str
    field: str
    message: str


class ImportOut(Schema):
    kind: str
    file_name: str
    dry_run: bool
    committed: bool
    rows: int
    new: int
    changed: int
    unchanged: int
    error_rows: int
    error_count: int
    errors: list[RowErrorOut]
    notes: list[str]
    ignored_columns: list[str]


class KindOut(Schema):
    key: str
    label: str
    description: str
    columns: list[str]
    required: list[str]


def _kind(request, key: str):
    try:
        return services.kind_for(key, get_access(request))
    except ApplicationError as error:
        raise Http404 from error


@router.get("/imports", response=list[KindOut])
def list_kinds(request):
    """The kinds of file the caller may import."""
    return [{"key": k.key, "label": str(k.label), "description": str(k.description),
             "columns": [c.key for c in k.columns], "required": list(k.required)}
            for k in services.kinds_for(get_access(request))]


@router.get("/imports/{kind}/template")
def import_template(request, kind: str, format: Literal["xlsx", "csv"] = "xlsx"):
    """The file to fill in: the column names (in the caller's language) and example rows."""
    found = _kind(request, kind)
    content, content_type, file_name = found.template_file(format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response


@router.post("/imports/{kind}", response={200: ImportOut})
def import_file(request, kind: str, file: File[UploadedFile], dry_run: bool = True):
    """Check or import a file of ``kind`` (attendance, exam_scores, homework, participation,
    contributions, adjustments, people). The answer counts the rows to add, change and already
    imported, and lists each row error (row, column, reason in the caller's language; at most 1000,
    ``error_count`` has them all)."""
    access = get_access(request)
    found = _kind(request, kind)
    data = read_upload(file)
    ctx = Context(user=request.user, access=access)
    if dry_run:
        plan = services.import_check(kind=found, data=data, file_name=file.name or "", ctx=ctx)
    else:
        try:
            plan = services.import_commit(kind=found, data=data, file_name=file.name or "", ctx=ctx)
        except ImportRejected as rejected:
            from jifen.api.api import problem

            body = rejected.plan.as_dict(max_errors=MAX_ERRORS_RETURNED)
            return problem(request, 422, _("The import was refused."), str(rejected.message), dry_run=False, **body)
    return {"dry_run": dry_run, **plan.as_dict(max_errors=MAX_ERRORS_RETURNED)}
