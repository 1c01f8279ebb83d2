"""Homework, self-study claim and contribution pages. Thin: the rules live in services.py; every
query is narrowed by the caller's access, so anything outside it is a 404."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.paging import page_of, query_without_page
from jifen.learning.work import selectors, services
from jifen.learning.work.forms import (
    ApproveForm,
    AssignmentForm,
    ClaimApproveForm,
    ClaimForm,
    ContributionForm,
    GradeForm,
    RejectForm,
    SubmissionForm,
)
from jifen.learning.work.models import Contribution, Review, SelfStudyClaim, Submission
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm


def _learner(request) -> int:
    """The caller's person id: taking part needs a person record."""
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied
    return person_id


def _download(field, name: str):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=name or PurePath(field.name).name)


# ---------------------------------------------------------------- learners: homework


@login_required
def my_homework(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "work/no_person.html", {})
    page = page_of(request, selectors.assignments_of_learner(access.person_id))
    for assignment in page:
        assignment.my_submission = assignment.mine[0] if assignment.mine else None
    return TemplateResponse(request, "work/my_homework.html", {"page": page, "query": "", "now": timezone.now()})


@login_required
def submit(request, pk: int):
    person_id = _learner(request)
    assignment = get_object_or_404(selectors.assignments_of_learner(person_id), pk=pk)
    mine = assignment.mine[0] if assignment.mine else None
    form = SubmissionForm(request.POST or None, request.FILES or None,
                          initial={"text": mine.text if mine else ""})
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submission_submit(
                assignment=assignment, person=Person.objects.get(pk=person_id), text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            if submission.on_time:
                messages.success(request, _("Handed in on time."))
            else:
                messages.warning(request, _("Handed in after the due date: it counts as late."))
            return redirect("work:my_homework")
    return TemplateResponse(request, "work/submit.html", {
        "assignment": assignment, "submission": mine, "form": form, "now": timezone.now(),
    })


# ---------------------------------------------------------------- trainers: assignments, grading


@require_perm(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
def assignments(request):
    access = get_access(request)
    queryset = selectors.assignments_managed(access).annotate(
        handed_in=Count("submissions", distinct=True),
        flagged=Count("submissions", filter=Q(submissions__flagged=True), distinct=True),
    )
    return TemplateResponse(request, "work/assignments.html", {"page": page_of(request, queryset), "query": ""})


@require_perm(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
def assignment_create(request):
    access = get_access(request)
    form = AssignmentForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.assignment_create(
                created_by=request.user, session=data["session"], course=data.get("course"), title=data["title"],
                instructions=data["instructions"], due_at=data["due_at"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Homework set."))
            return redirect("work:assignment", pk=created.pk)
    return TemplateResponse(request, "work/assignment_form.html", {"form": form})


@require_perm(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
def assignment(request, pk: int):
    found = get_object_or_404(selectors.assignments_managed(get_access(request)), pk=pk)
    return TemplateResponse(request, "work/assignment.html", {
        "assignment": found, "page": page_of(request, selectors.submissions_of(found)), "query": "",
        "missing": selectors.missing_count(found), "overdue": found.is_overdue(),
    })


@require_perm(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
@require_POST
def assignment_close(request, pk: int):
    found = get_object_or_404(selectors.assignments_managed(get_access(request)), pk=pk)
    try:
        recorded = services.assignment_close(assignment=found, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Closed: %(n)d missing submission(s) recorded.") % {"n": recorded})
    return redirect("work:assignment", pk=found.pk)


def _submission_page(request, submission, *, form=None):
    access = get_access(request)
    can_grade = selectors.assignments_managed(access).filter(pk=submission.assignment_id).exists() \
        and submission.person_id != access.person_id
    identical = []
    if submission.flagged and can_grade:
        identical = services.identical_to(submission)
    return TemplateResponse(request, "work/submission.html", {
        "submission": submission, "assignment": submission.assignment, "can_grade": can_grade,
        "identical": identical,
        "form": form or GradeForm(initial={"score": submission.score, "comment": submission.comment}),
    })


def _submission_visible(request, pk: int):
    access = get_access(request)
    found = selectors.submission_visible(access, pk)
    if found is None:
        access.require_any(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE, Perm.LEARNING_REVIEW)  # not theirs
        raise Http404
    return found


@login_required
def submission(request, pk: int):
    return _submission_page(request, _submission_visible(request, pk))


@require_perm(Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
@require_POST
def grade(request, pk: int):
    access = get_access(request)
    found = get_object_or_404(
        Submission.objects.select_related("assignment", "person")
        .filter(assignment__in=selectors.assignments_managed(access).values("pk")), pk=pk)
    form = GradeForm(request.POST)
    if form.is_valid():
        try:
            services.submission_grade(submission=found, grader=request.user, score=form.cleaned_data["score"],
                                      comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Grade saved."))
            return redirect("work:assignment", pk=found.assignment_id)
    return _submission_page(request, found, form=form)


@login_required
def submission_file(request, pk: int):
    found = _submission_visible(request, pk)
    return _download(found.file, found.file_name)


# ---------------------------------------------------------------- claims and contributions (shared)

KINDS = {
    "claim": {"model": SelfStudyClaim, "mine": selectors.claims_of, "queue": selectors.claims_to_review,
              "approve_form": ClaimApproveForm, "create_form": ClaimForm},
    "contribution": {"model": Contribution, "mine": selectors.contributions_of,
                     "queue": selectors.contributions_to_review, "approve_form": ApproveForm,
                     "create_form": ContributionForm},
}


def _mine(request, what: str):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "work/no_person.html", {})
    page = page_of(request, KINDS[what]["mine"](access.person_id))
    return TemplateResponse(request, f"work/my_{what}s.html", {"page": page, "query": ""})


def _create(request, what: str):
    person_id = _learner(request)
    form = KINDS[what]["create_form"](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.get(pk=person_id)
        try:
            if what == "claim":
                created = services.claim_create(person=person, **form.cleaned_data)
            else:
                created = services.contribution_create(person=person, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Sent for review."))
            return redirect(f"work:{what}", pk=created.pk)
    return TemplateResponse(request, f"work/{what}_form.html", {"form": form})


def _queue(request, what: str):
    access = get_access(request)
    status = request.GET.get("status", Review.PENDING)
    if status not in Review.values:
        status = ""
    page = page_of(request, KINDS[what]["queue"](access, status))
    return TemplateResponse(request, f"work/{what}s_review.html", {
        "page": page, "query": query_without_page(request), "status": status, "statuses": Review.choices,
    })


def _detail_page(request, what: str, obj, *, approve_form=None, reject_form=None):
    access = get_access(request)
    own = obj.person_id == access.person_id
    can_review = (not own and obj.status == Review.PENDING
                  and KINDS[what]["queue"](access).filter(pk=obj.pk).exists())
    initial = {}
    if what == "claim":
        caps = services.selfstudy_caps()
        initial = {"credits": min(obj.credits_requested, caps.get("credits", obj.credits_requested)),
                   "points": min(obj.points_requested, caps.get("points", obj.points_requested))}
    return TemplateResponse(request, f"work/{what}.html", {
        "obj": obj, "own": own, "can_review": can_review,
        "approve_form": approve_form or KINDS[what]["approve_form"](prefix="approve", initial=initial),
        "reject_form": reject_form or RejectForm(prefix="reject"),
    })


def _visible(request, what: str, pk: int):
    access = get_access(request)
    found = selectors.visible(KINDS[what]["model"], access, pk)
    if found is None:
        access.require(Perm.LEARNING_REVIEW)  # a learner asking for someone else's
        raise Http404
    return found


def _to_review(request, what: str, pk: int):
    found = KINDS[what]["queue"](get_access(request), "").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _decide(request, what: str, pk: int, decision: str):
    access = get_access(request)
    found = _to_review(request, what, pk)
    people = access.people(Perm.LEARNING_REVIEW)
    if decision == "approve":
        form = KINDS[what]["approve_form"](request.POST, prefix="approve")
    else:
        form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if decision == "reject" and what == "claim":
                services.claim_reject(claim=found, reviewer=request.user, note=data["note"], people=people)
            elif decision == "reject":
                services.contribution_reject(contribution=found, reviewer=request.user, note=data["note"],
                                             people=people)
            elif what == "claim":
                services.claim_approve(claim=found, reviewer=request.user, credits=data["credits"],
                                       points=data["points"], note=data["note"], people=people)
            else:
                services.contribution_approve(contribution=found, reviewer=request.user, note=data["note"],
                                              people=people)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Approved.") if decision == "approve" else _("Rejected."))
            return redirect(f"work:{what}s_review")
    forms = {"approve_form": form} if decision == "approve" else {"reject_form": form}
    return _detail_page(request, what, found, **forms)


# ---------------------------------------------------------------- self-study claims


@login_required
def my_claims(request):
    return _mine(request, "claim")


@login_required
def claim_create(request):
    return _create(request, "claim")


@require_perm(Perm.LEARNING_REVIEW)
def claims_review(request):
    return _queue(request, "claim")


@login_required
def claim(request, pk: int):
    return _detail_page(request, "claim", _visible(request, "claim", pk))


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def claim_approve(request, pk: int):
    return _decide(request, "claim", pk, "approve")


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def claim_reject(request, pk: int):
    return _decide(request, "claim", pk, "reject")


@login_required
def claim_file(request, pk: int):
    found = _visible(request, "claim", pk)
    return _download(found.evidence, found.evidence_name)


# ---------------------------------------------------------------- knowledge contributions


@login_required
def my_contributions(request):
    return _mine(request, "contribution")


@login_required
def contribution_create(request):
    return _create(request, "contribution")


@require_perm(Perm.LEARNING_REVIEW)
def contributions_review(request):
    return _queue(request, "contribution")


@login_required
def contribution(request, pk: int):
    return _detail_page(request, "contribution", _visible(request, "contribution", pk))


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def contribution_approve(request, pk: int):
    return _decide(request, "contribution", pk, "approve")


@require_perm(Perm.LEARNING_REVIEW)
@require_POST
def contribution_reject(request, pk: int):
    return _decide(request, "contribution", pk, "reject")


@login_required
def contribution_file(request, pk: int):
    found = _visible(request, "contribution", pk)
    return _download(found.evidence, found.evidence_name)
