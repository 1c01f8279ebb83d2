"""The form builder for training admins: forms, their versions and questions. A form already answered
is never changed in place: the services copy it to a new version first."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.org.permissions import Perm, require_perm
from jifen.tracking.instruments import services
from jifen.tracking.instruments.forms import FormForm, QuestionForm, questions_with_values
from jifen.tracking.instruments.models import Form, Question


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_perm(Perm.TRACKING_MANAGE)
def forms_list(request):
    services.default_survey()
    services.default_evaluation()
    found = Form.objects.annotate(version_count=Count("versions")).order_by("name", "pk")
    return TemplateResponse(request, "instruments/forms.html", {"forms": found})


@require_perm(Perm.TRACKING_MANAGE)
def form_create(request):
    form = FormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.form_create(created_by=request.user, **form.cleaned_data)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            messages.success(request, _("Form created: now add its questions."))
            return redirect("instruments:form", pk=created.pk)
    return TemplateResponse(request, "instruments/form_form.html", {"form": form})


def _form_page(request, found: Form, *, question_form=None, status=200):
    version = found.current_version()
    context = {
        "obj": found, "version": version, "versions": found.versions.order_by("-number"),
        "questions": questions_with_values(version, {}, {}),
        "question_form": question_form or QuestionForm(initial={"required": True}),
    }
    template = "instruments/_questions.html" if _htmx(request) else "instruments/form.html"
    return TemplateResponse(request, template, context, status=status)


@require_perm(Perm.TRACKING_MANAGE)
def form_detail(request, pk: int):
    return _form_page(request, get_object_or_404(Form, pk=pk))


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def question_add(request, pk: int):
    found = get_object_or_404(Form, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(form=found, **form.cleaned_data)
        except ApplicationError as refused:
            apply_error(form, refused)
        else:
            if not _htmx(request):
                messages.success(request, _("Question added."))
                return redirect("instruments:form", pk=found.pk)
            return _form_page(request, found)
    return _form_page(request, found, question_form=form)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def question_remove(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("version__form"), pk=pk)
    try:
        services.question_remove(question=question)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Question removed."))
    if _htmx(request):
        return _form_page(request, question.version.form)
    return redirect("instruments:form", pk=question.version.form_id)


@require_perm(Perm.TRACKING_MANAGE)
@require_POST
def question_move(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("version__form"), pk=pk)
    try:
        services.question_move(question=question, up=request.POST.get("direction") != "down")
    except ApplicationError as refused:
        messages.error(request, refused.message)
    if _htmx(request):
        return _form_page(request, question.version.form)
    return redirect("instruments:form", pk=question.version.form_id)
