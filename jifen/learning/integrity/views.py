"""Box-ticking cases: the reviewers' queue and decisions, and each learner's own cases. Thin: the
rules live in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.learning.integrity import selectors, services
from jifen.learning.integrity.forms import DecisionForm
from jifen.learning.integrity.models import Case
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


@login_required
def my_cases(request):
    access = get_access(request)
    cases = selectors.cases_of(access.person_id) if access.person_id is not None else Case.objects.none()
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "integrity/my_cases.html", {"page": page, "query": ""})


@require_perm(Perm.LEARNING_REVIEW)
def cases(request):
    access = get_access(request)
    status = request.GET.get("status", Case.Status.OPEN)
    if status not in Case.Status.values:
        status = ""
    page = Paginator(selectors.cases_to_review(access, status), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "integrity/cases.html", {
        "page": page, "query": query.urlencode(), "status": status, "statuses": Case.Status.choices,
    })


def _case_page(request, case: Case, *, confirm_form=None, dismiss_form=None):
    access = get_access(request)
    own = case.person_id == access.person_id
    can_review = (not own and case.status == Case.Status.OPEN
                  and selectors.cases_to_review(access).filter(pk=case.pk).exists())
    return TemplateResponse(request, "integrity/case.html", {
        "case": case, "own": own, "can_review": can_review, "entry": selectors.deduction_of(case),
        "details": sorted((case.details or {}).items()),
        "confirm_form": confirm_form or DecisionForm(prefix="confirm"),
        "dismiss_form": dismiss_form or DecisionForm(prefix="dismiss"),
    })


@login_required
def case(request, pk: int):
    access = get_access(request)
    found = selectors.case_visible(access, pk)
    if found is None:
        access.require(Perm.LEARNING_REVIEW)  # a learner asking for someone else's
        raise Http404
    return _case_page(request, found)


def _decide(request, pk: int, decision: str):
    access = get_access(request)
    found = selectors.cases_to_review(access, "").filter(pk=pk).first()
    if found is None:
        raise Http404
    form = DecisionForm(request.POST, prefix=decision)
    if form.is_valid():
        action = services.case_confirm if decision == "confirm" else services.case_dismiss
        try:
            action(case=found, reviewer=request.user, note=form.cleaned_data["note"],
                   people=access.people(Perm.LEARNING_REVIEW))
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Case confirmed: the deduction has been recorded.") if decision == "confirm"
                             else _("Case dismissed."))
            return redirect("integrity:cases")
    return _case_page(request, found, **{f"{decision}_form": form})


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def case_confirm(request, pk: int):
    return _decide(request, pk, "confirm")


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def case_dismiss(request, pk: int):
    return _decide(request, pk, "dismiss")
