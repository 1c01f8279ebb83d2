"""Bulk import pages: the kinds one may import → upload → the dry run (errors paged) → commit, or for
a large file a background commit whose progress the page polls (htmx)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.core.errors import ApplicationError
from jifen.imports import services, tasks
from jifen.imports.kinds import Context, ImportRejected, Kind
from jifen.imports.models import ImportRun
from jifen.org import importing
from jifen.org.permissions import get_access

ERRORS_PER_PAGE = 100


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


def _kind(request, key: str) -> Kind:
    try:
        return services.kind_for(key, get_access(request))
    except ApplicationError as error:
        raise Http404 from error


def _context(request) -> Context:
    return Context(user=request.user, access=get_access(request))


@login_required
def index(request):
    access = get_access(request)
    kinds = services.kinds_for(access)
    if not kinds:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    runs = ImportRun.objects.filter(user=request.user, token__gt="").order_by("-created_at", "-pk")[:10]
    return TemplateResponse(request, "imports/index.html", {"kinds": kinds, "runs": runs})


@login_required
def upload(request, kind: str):
    found = _kind(request, kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            data = importing.read_upload(upload_file)
            table = found.read(data, upload_file.name)  # refuse garbage before keeping it
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            token = services.PARKED.park(request.user.pk, table.file_name, data)
            return redirect("imports:review", kind=found.key, token=token)
    return TemplateResponse(request, "imports/upload.html", {
        "kind": found, "form": form, "max_size": filesizeformat(importing.max_bytes()),
        "columns": found.column_help(), "background_rows": services.background_rows(),
    })


@login_required
def review(request, kind: str, token: str):
    found = _kind(request, kind)
    stored = services.PARKED.load(request.user.pk, token)
    if stored is None:
        raise Http404
    data, meta = stored
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            services.PARKED.discard(request.user.pk, token)
            messages.info(request, _("The file has been set aside; nothing was imported."))
            return redirect("imports:upload", kind=found.key)
        return _commit(request, found, token, data, meta["file_name"])
    try:
        plan = services.import_check(kind=found, data=data, file_name=meta["file_name"], ctx=_context(request))
    except ApplicationError as error:
        services.PARKED.discard(request.user.pk, token)
        messages.error(request, error.message)
        return redirect("imports:upload", kind=found.key)
    errors = Paginator(plan.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "imports/review.html", {
        "kind": found, "plan": plan, "token": token, "errors": errors, "can_commit": plan.ok and plan.changes > 0,
        "background": plan.rows > services.background_rows(),
    })


def _commit(request, kind: Kind, token: str, data: bytes, file_name: str):
    try:
        table = kind.read(data, file_name)
        if len(table.rows) > services.background_rows():
            run = services.run_queue(kind=kind, user=request.user, token=token, file_name=file_name,
                                     rows=len(table.rows))
            tasks.commit_import(run.pk)
            return redirect("imports:run", pk=run.pk)
        plan = kind.commit(table, _context(request))
    except ImportRejected:
        messages.error(request, _("Some rows have errors now (something changed since the check); nothing was "
                                  "imported. See the errors below."))
        return redirect("imports:review", kind=kind.key, token=token)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("imports:review", kind=kind.key, token=token)
    services.PARKED.discard(request.user.pk, token)
    messages.success(request, _("Imported: %(new)d added, %(changed)d changed, %(unchanged)d already there.")
                     % {"new": plan.new, "changed": plan.changed, "unchanged": plan.unchanged})
    for note in plan.notes:
        messages.info(request, note)
    return redirect("imports:index")


def _run(request, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.filter(user=request.user), pk=pk)


@login_required
def run(request, pk: int):
    found = _run(request, pk)
    return TemplateResponse(request, "imports/run.html", {"run": found, "kind": services.KINDS.get(found.kind),
                                                          "done": services.run_done(found),
                                                          "percent": services.run_percent(found)})


@login_required
def run_progress(request, pk: int):
    found = _run(request, pk)
    return TemplateResponse(request, "imports/_progress.html", {"run": found, "done": services.run_done(found),
                                                                "percent": services.run_percent(found)})


@login_required
def template(request, kind: str, fmt: str):
    found = _kind(request, kind)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content, content_type, file_name = found.template_file(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response
