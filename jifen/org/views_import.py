"""Roster import pages: upload a file, review the dry run, commit; and the template to fill in.

The uploaded file waits under MEDIA_ROOT/imports/<user id>/<token> between the review and the
commit (jifen.core.uploads), so a token only ever finds the uploader's own file; files are removed
once imported or discarded, and any left behind after a day are swept away at the next upload.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.core.errors import ApplicationError
from jifen.core.uploads import ParkedUploads
from jifen.org import importing
from jifen.org.models import OrgUnit
from jifen.org.permissions import Perm, get_access, require_perm

KEEP_FOR = dt.timedelta(days=1)
MAX_ERRORS_SHOWN = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


# ---------------------------------------------------------------- where uploads wait

_PARKED = ParkedUploads("imports", keep_for=KEEP_FOR)


def _store(user_id: int, file_name: str, data: bytes) -> str:
    return _PARKED.park(user_id, file_name, data)


def _load(user_id: int, token: str) -> tuple[bytes, dict] | None:
    return _PARKED.load(user_id, token)


def _discard(user_id: int, token: str) -> None:
    _PARKED.discard(user_id, token)


# ---------------------------------------------------------------- pages


def _column_help() -> list[dict]:
    meanings = {
        "employee_no": _("Employee or student number; also the login name."),
        "name": _("Full name."),
        "org_unit": _("The unit's full path, such as 总部/研发中心/平台组. Missing units are created."),
        "position": _("A position's name or code, as set up under Positions."),
        "manager_no": _("The manager's number: someone in the file (any row) or already in the roster."),
        "email": _("E-mail address, unique per person."),
        "phone": _("Phone number."),
        "hire_date": _("A date such as 2024-03-01 or 2024/3/1, or a date cell."),
        "status": _("active, on_leave or left (在职, 休假, 离职). Empty: unchanged, or active for someone new."),
    }
    return [
        {"name": column, "chinese": importing.CHINESE_HEADERS[column], "meaning": meanings[column],
         "required": column in importing.REQUIRED_COLUMNS}
        for column in importing.COLUMNS
    ]


@require_perm(Perm.ROSTER_IMPORT)
def upload(request):
    access = get_access(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            data = importing.read_upload(upload_file)
            roster = importing.read_roster(data, upload_file.name)  # refuse garbage before keeping it
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            token = _store(request.user.pk, roster.file_name, data)
            return redirect("org:import_review", token=token)
    scope = access.scope(Perm.ROSTER_IMPORT)
    scope_units = [] if scope.everything else list(
        OrgUnit.objects.filter(path__in=sorted(scope.unit_paths)).order_by("name_path").values_list("name_path", flat=True)
    )
    return TemplateResponse(request, "org/import.html", {
        "form": form,
        "max_size": filesizeformat(importing.max_bytes()),
        "columns": _column_help(),
        "scope_units": scope_units,
    })


@require_perm(Perm.ROSTER_IMPORT)
def review(request, token: str):
    stored = _load(request.user.pk, token)
    if stored is None:
        raise Http404
    data, meta = stored
    scope = get_access(request).scope(Perm.ROSTER_IMPORT)
    try:
        roster = importing.read_roster(data, meta["file_name"])
    except ApplicationError as error:
        _discard(request.user.pk, token)
        messages.error(request, error.message)
        return redirect("org:import")

    if request.method == "POST":
        if request.POST.get("action") == "discard":
            _discard(request.user.pk, token)
            messages.info(request, _("The file has been set aside; nothing was imported."))
            return redirect("org:import")
        try:
            result = importing.commit(roster, scope=scope)
        except importing.ImportRejected:
            messages.error(request, _("Some rows have errors now (the roster changed since the check); nothing was "
                                      "imported. See the errors below."))
            return redirect("org:import_review", token=token)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("org:import_review", token=token)
        _discard(request.user.pk, token)
        messages.success(request, _("Roster imported: %(created)d added, %(updated)d updated, %(unchanged)d "
                                    "unchanged.") % {"created": result.created, "updated": result.updated,
                                                     "unchanged": result.unchanged})
        return redirect("org:people")

    result = importing.plan(roster, scope=scope)
    return TemplateResponse(request, "org/import_review.html", {
        "plan": result,
        "token": token,
        "errors": result.errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(0, len(result.errors) - MAX_ERRORS_SHOWN),
        "can_commit": result.ok and result.changes > 0,
    })


@require_perm(Perm.ROSTER_IMPORT)
def template(request, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content, content_type, file_name = importing.template_file(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response
