"""The audit log page for HR / auditors and system admins: read only, filtered, paged, and as Excel."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.audit import registry, selectors
from jifen.core.paging import page_of, query_without_page
from jifen.core.spreadsheets import XLSX, Book
from jifen.org.permissions import Perm, get_access, require_perm

EXPORT_MAX_ROWS = 50_000


def require_whole_organisation(request) -> None:
    """Configuration belongs to the whole organisation: only those who audit all of it read its log."""
    if not get_access(request).scope(Perm.AUDIT_VIEW).everything:
        raise PermissionDenied


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(params) -> selectors.Filters:
    actor = params.get("actor", "")
    return selectors.Filters(
        kind=params.get("kind", "") if params.get("kind", "") in registry.KINDS else "",
        actor=int(actor) if actor.isdigit() and len(actor) < 12 else None,
        action=params.get("action", "") if params.get("action", "") in selectors.ACTION_CODES.values() else "",
        date_from=_date(params.get("from")), date_to=_date(params.get("to")),
    )


@require_perm(Perm.AUDIT_VIEW)
def changes(request):
    require_whole_organisation(request)
    filters = filters_from(request.GET)
    page = page_of(request, selectors.changes(filters))
    rows = [selectors.present(entry) for entry in page]
    return TemplateResponse(request, "audit/changes.html", {
        "page": page, "rows": rows, "query": query_without_page(request), "filters": filters,
        "kinds": [(kind, label) for kind, (label, _models) in registry.KINDS.items()],
        "actors": selectors.actors(),
        "actions": [(code, selectors.ACTIONS[action]) for action, code in selectors.ACTION_CODES.items()],
    })


def export_rows(filters: selectors.Filters):
    for entry in selectors.changes(filters)[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        change = selectors.present(entry)
        at = timezone.localtime(change.at)
        if not change.fields:
            yield [at, change.who, change.via, change.kind, change.object, change.action_label, "", "", ""]
        for field in change.fields:
            yield [at, change.who, change.via, change.kind, change.object, change.action_label, field.name,
                   field.before, field.after]


@require_perm(Perm.AUDIT_VIEW)
def changes_export(request):
    require_whole_organisation(request)
    book = Book()
    book.sheet(_("Configuration changes"), [
        _("When"), _("Who"), _("How"), _("What"), _("Object"), _("Action"), _("Field"), _("Before"), _("After")],
        export_rows(filters_from(request.GET)), widths=[18, 24, 16, 18, 30, 10, 20, 40, 40])
    response = HttpResponse(book.bytes(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
