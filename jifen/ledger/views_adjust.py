"""Manual adjustment pages: the queue, propose one, propose a bulk file (upload → check → submit),
and a batch with approve / reject for someone other than the proposer. Thin: the rules live in
jifen.ledger.adjustments and adjustment_file.

A bulk file waits under MEDIA_ROOT/adjustment-uploads/<user id>/<token> between the check and the
submission (jifen.core.uploads): a token only finds the uploader's own file.
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.uploads import ParkedUploads
from jifen.ledger import adjustment_file, adjustments, selectors
from jifen.ledger.forms import AdjustmentForm, BulkSubmitForm, BulkUploadForm, DecisionForm, RejectionForm
from jifen.ledger.models import AdjustmentBatch, AdjustmentStatus
from jifen.org import importing
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25
MAX_ERRORS_SHOWN = 500
MAX_LINES_SHOWN = 200
_PARKED = ParkedUploads("adjustment-uploads")
STATUS_FILTERS = [AdjustmentStatus.PROPOSED, AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED]


def _visible(request, pk: int) -> AdjustmentBatch:
    batch = selectors.adjustment_detail(access=get_access(request), pk=pk)
    if batch is None:
        raise Http404
    return batch


@require_perm(Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)
def adjustments_queue(request):
    access = get_access(request)
    status = request.GET.get("status", AdjustmentStatus.PROPOSED)
    if status not in AdjustmentStatus.values:
        status = ""
    page = Paginator(selectors.adjustment_list(access=access, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "ledger/adjustments.html", {
        "page": page, "query": query.urlencode(), "status": status,
        "statuses": [(s.value, s.label) for s in STATUS_FILTERS],
        "can_propose": access.has(Perm.LEDGER_ADJUST),
    })


@require_perm(Perm.LEDGER_ADJUST)
def adjustment_create(request):
    access = get_access(request)
    form = AdjustmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = access.people(Perm.LEDGER_ADJUST).filter(employee_no=data["employee_no"].strip()).first()
        if person is None:
            # The number is not one they may use: say so without echoing it back.
            form.data = form.data.copy()
            form.data["employee_no"] = ""
            form.add_error("employee_no", _("No one with this number is among the people you may adjust."))
        else:
            try:
                batch = adjustments.adjustment_propose(
                    proposed_by=request.user, reason=data["reason"], people=access.people(Perm.LEDGER_ADJUST),
                    evidence=data["evidence"],
                    lines=[adjustments.LineDraft(person=person, currency=data["currency"], amount=data["amount"],
                                                 credit_type=data["credit_type"])],
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Adjustment proposed. It posts once someone else approves it."))
                return redirect("ledger:adjustment", pk=batch.pk)
    return TemplateResponse(request, "ledger/adjustment_form.html", {"form": form})


def _adjustment_page(request, batch: AdjustmentBatch, *, approve_form=None, reject_form=None, status=200):
    access = get_access(request)
    blocker = selectors.adjustment_decision_blocker(access=access, batch=batch)
    return TemplateResponse(request, "ledger/adjustment.html", {
        "batch": batch,
        "lines": selectors.adjustment_lines(batch),
        "can_decide": not blocker,
        "blocker": blocker if batch.status == AdjustmentStatus.PROPOSED and access.has(Perm.LEDGER_APPROVE) else "",
        "approve_form": approve_form or DecisionForm(prefix="approve"),
        "reject_form": reject_form or RejectionForm(prefix="reject"),
    }, status=status)


@require_perm(Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)
def adjustment(request, pk: int):
    return _adjustment_page(request, _visible(request, pk))


@require_perm(Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)
def adjustment_evidence(request, pk: int):
    batch = _visible(request, pk)
    if not batch.evidence:
        raise Http404
    try:
        handle = batch.evidence.open("rb")
    except OSError as exc:
        raise Http404 from exc
    name = batch.evidence_name or PurePath(batch.evidence.name).name
    return FileResponse(handle, as_attachment=True, filename=name)


def _to_decide(request, pk: int) -> AdjustmentBatch:
    batch = selectors.adjustments_to_decide(access=get_access(request)).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@require_perm(Perm.LEDGER_APPROVE)
@require_POST
def adjustment_approve(request, pk: int):
    access = get_access(request)
    batch = _to_decide(request, pk)
    form = DecisionForm(request.POST, prefix="approve")
    if not form.is_valid():
        return _adjustment_page(request, _visible(request, pk), approve_form=form)
    try:
        adjustments.adjustment_approve(batch=batch, approver=request.user, note=form.cleaned_data["note"],
                                       people=access.people(Perm.LEDGER_APPROVE))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved: the adjustment has been posted."))
    return redirect("ledger:adjustment", pk=batch.pk)


@require_perm(Perm.LEDGER_APPROVE)
@require_POST
def adjustment_reject(request, pk: int):
    access = get_access(request)
    batch = _to_decide(request, pk)
    form = RejectionForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _adjustment_page(request, _visible(request, pk), reject_form=form)
    try:
        adjustments.adjustment_reject(batch=batch, approver=request.user, note=form.cleaned_data["note"],
                                      people=access.people(Perm.LEDGER_APPROVE))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rejected: nothing has been posted."))
    return redirect("ledger:adjustment", pk=batch.pk)


# ---------------------------------------------------------------- bulk file


def _column_help() -> list[dict]:
    meanings = {
        "employee_no": _("Employee or student number of someone you may adjust."),
        "currency": _("points or credits (积分 or 学分)."),
        "amount": _("Positive adds, negative deducts; at most two decimals."),
        "reason": _("Why: the learner sees it in their history."),
        "credit_type": _("For credits: required or elective (必修 or 选修). Empty counts as elective."),
    }
    return [
        {"name": column, "chinese": adjustment_file.CHINESE_HEADERS[column], "meaning": meanings[column],
         "required": column in adjustment_file.REQUIRED_COLUMNS}
        for column in adjustment_file.COLUMNS
    ]


@require_perm(Perm.LEDGER_ADJUST)
def adjustment_upload(request):
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = importing.read_upload(upload)
            table = adjustment_file.read_file(data, upload.name)  # refuse garbage before keeping it
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            token = _PARKED.park(request.user.pk, table.file_name, data)
            return redirect("ledger:adjustment_upload_review", token=token)
    return TemplateResponse(request, "ledger/adjustment_upload.html", {
        "form": form, "max_size": filesizeformat(importing.max_bytes()), "columns": _column_help(),
        "max_lines": adjustments.MAX_LINES,
    })


@require_perm(Perm.LEDGER_ADJUST)
def adjustment_upload_review(request, token: str):
    access = get_access(request)
    stored = _PARKED.load(request.user.pk, token)
    if stored is None:
        raise Http404
    data, meta = stored
    try:
        table = adjustment_file.read_file(data, meta["file_name"])
    except ApplicationError as error:
        _PARKED.discard(request.user.pk, token)
        messages.error(request, error.message)
        return redirect("ledger:adjustment_upload")
    people = access.people(Perm.LEDGER_ADJUST)
    form = BulkSubmitForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            _PARKED.discard(request.user.pk, token)
            messages.info(request, _("The file has been set aside; nothing was proposed."))
            return redirect("ledger:adjustment_upload")
        if form.is_valid():
            try:
                proposed = adjustment_file.propose(table, proposed_by=request.user,
                                                   reason=form.cleaned_data["reason"], people=people,
                                                   evidence=form.cleaned_data["evidence"])
            except adjustment_file.AdjustmentFileRejected as rejected:
                plan = rejected.plan
                messages.error(request, rejected.message)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                _PARKED.discard(request.user.pk, token)
                messages.success(request, _("%(count)d adjustments proposed as one batch. They post once someone "
                                            "else approves them.") % {"count": len(proposed.lines)})
                return redirect("ledger:adjustment", pk=proposed.adjustment.pk)
    if plan is None:
        plan = adjustment_file.plan(table, people=people, proposer=request.user)
    return TemplateResponse(request, "ledger/adjustment_review.html", {
        "plan": plan, "token": token, "form": form,
        "errors": plan.errors[:MAX_ERRORS_SHOWN], "more_errors": max(0, len(plan.errors) - MAX_ERRORS_SHOWN),
        "lines": plan.lines[:MAX_LINES_SHOWN], "more_lines": max(0, len(plan.lines) - MAX_LINES_SHOWN),
        "totals": plan.totals(),
    })


@require_perm(Perm.LEDGER_ADJUST)
def adjustment_template(request, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content, content_type, file_name = adjustment_file.template_file(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response
