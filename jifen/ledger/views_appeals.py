"""Appeal pages: a learner appeals an entry of their own history and follows it under "My appeals";
reviewers work through the queue and accept (reversal or extra award) or reject, replying either
way. Thin: the rules live in jifen.ledger.appeals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.ledger import appeals as appeal_services
from jifen.ledger import selectors
from jifen.ledger.forms import AppealAcceptForm, AppealForm, AppealRejectForm
from jifen.ledger.models import Appeal, AppealStatus
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


@login_required
def appeal_create(request, entry_pk: int):
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # no points of their own to appeal
    entry = selectors.own_entry(person_id=access.person_id, pk=entry_pk)
    if entry is None:
        raise Http404
    selectors.appeal_marks(entries=[entry])
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = appeal_services.appeal_create(entry=entry, raised_by=request.user,
                                                    reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Your appeal has been sent. A reviewer will reply here."))
            return redirect("ledger:appeal", pk=created.pk)
    return TemplateResponse(request, "ledger/appeal_form.html", {"entry": entry, "form": form})


@login_required
def my_appeals(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "ledger/no_person.html", {})
    page = Paginator(selectors.appeals_of(person_id=access.person_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "ledger/my_appeals.html", {"page": page, "query": ""})


@require_perm(Perm.APPEALS_REVIEW)
def appeals_queue(request):
    access = get_access(request)
    status = request.GET.get("status", AppealStatus.OPEN)
    if status not in AppealStatus.values:
        status = ""
    page = Paginator(selectors.appeals_to_review(access=access, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "ledger/appeals.html", {
        "page": page, "query": query.urlencode(), "status": status, "statuses": AppealStatus.choices,
    })


def _appeal_page(request, appeal: Appeal, *, accept_form=None, reject_form=None):
    access = get_access(request)
    own = appeal.person_id == access.person_id
    reviewable = (
        not own and appeal.status == AppealStatus.OPEN
        and selectors.appeals_to_review(access=access).filter(pk=appeal.pk).exists()
    )
    return TemplateResponse(request, "ledger/appeal.html", {
        "appeal": appeal, "entry": appeal.entry, "own": own, "can_review": reviewable,
        "accept_form": accept_form or AppealAcceptForm(prefix="accept"),
        "reject_form": reject_form or AppealRejectForm(prefix="reject"),
    })


@login_required
def appeal(request, pk: int):
    access = get_access(request)
    found = selectors.appeal_visible(access=access, pk=pk)
    if found is None:
        if not access.has(Perm.APPEALS_REVIEW):
            raise PermissionDenied
        raise Http404
    return _appeal_page(request, found)


def _to_review(request, pk: int) -> Appeal:
    found = selectors.appeals_to_review(access=get_access(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_perm(Perm.APPEALS_REVIEW)
@require_POST
def appeal_accept(request, pk: int):
    access = get_access(request)
    found = _to_review(request, pk)
    form = AppealAcceptForm(request.POST, prefix="accept")
    if form.is_valid():
        data = form.cleaned_data
        try:
            appeal_services.appeal_accept(appeal=found, reviewer=request.user, resolution=data["resolution"],
                                          reply=data["reply"], amount=data["amount"],
                                          people=access.people(Perm.APPEALS_REVIEW))
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Appeal accepted; the learner sees your reply."))
            return redirect("ledger:appeal", pk=found.pk)
    return _appeal_page(request, selectors.appeal_visible(access=access, pk=pk), accept_form=form)


@require_perm(Perm.APPEALS_REVIEW)
@require_POST
def appeal_reject(request, pk: int):
    access = get_access(request)
    found = _to_review(request, pk)
    form = AppealRejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            appeal_services.appeal_reject(appeal=found, reviewer=request.user, reply=form.cleaned_data["reply"],
                                          people=access.people(Perm.APPEALS_REVIEW))
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Appeal rejected; the learner sees your reply."))
            return redirect("ledger:appeal", pk=found.pk)
    return _appeal_page(request, selectors.appeal_visible(access=access, pk=pk), reject_form=form)
