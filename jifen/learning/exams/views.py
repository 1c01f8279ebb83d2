"""Exams pages: admins build the bank and quizzes (CATALOG_MANAGE); learners take quizzes on a phone
and see their results. Thin: the rules live in jifen.learning.exams.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.learning.exams import selectors, services
from jifen.learning.exams.forms import QuestionForm, QuestionImportForm, QuizForm
from jifen.learning.exams.models import Question, Quiz
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


def _learner(request) -> int:
    """The signed-in learner's person id; a login without a person record takes no quizzes."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied
    return person_id


def learner_required(view):
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, _learner(request), *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- admin: bank and quizzes


@require_perm(Perm.CATALOG_MANAGE)
def bank(request):
    page = Paginator(selectors.courses_with_banks(), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "exams/bank.html", {"page": page, "query": ""})


@require_perm(Perm.CATALOG_MANAGE)
def course_bank(request, course_pk: int):
    course = get_object_or_404(Course, pk=course_pk)
    page = Paginator(selectors.questions_of(course=course), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "exams/course_bank.html", {
        "course": course, "page": page, "query": "", "quizzes": selectors.quizzes_of(course=course),
    })


def _save_question(request, form, course, question=None):
    data = form.cleaned_data
    fields = {"kind": data["kind"], "text": data["text"], "options": data["option_list"],
              "answer": data["answer_value"], "explanation": data["explanation"], "points": data["points"]}
    if question is None:
        return services.question_create(course=course, **fields)
    return services.question_update(question=question, is_active=data["is_active"], **fields)


@require_perm(Perm.CATALOG_MANAGE)
def question_create(request, course_pk: int):
    course = get_object_or_404(Course, pk=course_pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _save_question(request, form, course)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Question added to the bank."))
            if "another" in request.POST:
                return redirect("exams:question_create", course_pk=course.pk)
            return redirect("exams:course_bank", course_pk=course.pk)
    return TemplateResponse(request, "exams/question_form.html", {"course": course, "form": form})


@require_perm(Perm.CATALOG_MANAGE)
def question_edit(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("course"), pk=pk)
    form = QuestionForm.for_question(question, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _save_question(request, form, question.course, question)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("exams:course_bank", course_pk=question.course_id)
    return TemplateResponse(request, "exams/question_form.html",
                            {"course": question.course, "form": form, "question": question})


@require_perm(Perm.CATALOG_MANAGE)
def question_import(request, course_pk: int):
    course = get_object_or_404(Course, pk=course_pk)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.questions_import(course=course, upload=form.cleaned_data["file"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("%(count)s questions imported.") % {"count": count})
            return redirect("exams:course_bank", course_pk=course.pk)
    return TemplateResponse(request, "exams/question_import.html", {"course": course, "form": form})


def _save_quiz(form, course, quiz=None):
    data = form.cleaned_data
    return services.quiz_save(
        quiz=quiz, course=course, title=data["title"], kind=data["kind"], selection=data["selection"],
        questions=data["questions"], random_count=data["random_count"],
        shuffle_questions=data["shuffle_questions"], shuffle_options=data["shuffle_options"],
        time_limit_minutes=data["time_limit_minutes"], max_attempts=data["max_attempts"],
        pass_mark=data["pass_mark"], show_answers=data["show_answers"], is_active=data["is_active"],
    )


@require_perm(Perm.CATALOG_MANAGE)
def quiz_create(request, course_pk: int):
    course = get_object_or_404(Course, pk=course_pk)
    form = QuizForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            _save_quiz(form, course)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Quiz saved."))
            return redirect("exams:course_bank", course_pk=course.pk)
    return TemplateResponse(request, "exams/quiz_form.html", {"course": course, "form": form})


@require_perm(Perm.CATALOG_MANAGE)
def quiz_edit(request, pk: int):
    quiz = get_object_or_404(Quiz.objects.select_related("course"), pk=pk)
    form = QuizForm(request.POST or None, instance=quiz, course=quiz.course)
    if request.method == "POST" and form.is_valid():
        try:
            _save_quiz(form, quiz.course, Quiz.objects.get(pk=quiz.pk))
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Quiz saved."))
            return redirect("exams:course_bank", course_pk=quiz.course_id)
    return TemplateResponse(request, "exams/quiz_form.html", {"course": quiz.course, "form": form, "quiz": quiz})


# ---------------------------------------------------------------- learners


@learner_required
def my_quizzes(request, person_id: int):
    attempts = Paginator(selectors.attempts_of(person_id=person_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "exams/my_quizzes.html", {
        "quizzes": selectors.open_quizzes(person_id=person_id), "page": attempts, "query": "",
    })


@require_POST
@learner_required
def quiz_start(request, person_id: int, pk: int):
    quiz = get_object_or_404(Quiz.objects.filter(is_active=True).select_related("course"), pk=pk)
    try:
        attempt = services.attempt_start(quiz=quiz, person=Person.objects.get(pk=person_id))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("exams:my_quizzes")
    return redirect("exams:attempt", pk=attempt.pk)


def _attempt_or_404(person_id: int, pk: int):
    attempt = selectors.own_attempt(person_id=person_id, pk=pk)
    if attempt is None:
        raise Http404
    return attempt


@learner_required
def attempt(request, person_id: int, pk: int):
    found = services.attempt_close_if_overdue(attempt=_attempt_or_404(person_id, pk))
    items = selectors.paper(attempt=found)
    context = {"attempt": found, "quiz": found.quiz, "items": items}
    if found.is_open:
        if found.deadline:
            context["remaining"] = max(0, int((found.deadline - timezone.now()).total_seconds()))
        return TemplateResponse(request, "exams/take.html", context)
    context["attempts_left"] = services.attempts_left(quiz=found.quiz, person=found.person)
    return TemplateResponse(request, "exams/result.html", context)


@require_POST
@learner_required
def attempt_submit(request, person_id: int, pk: int):
    found = _attempt_or_404(person_id, pk)
    answers = {key[1:]: request.POST.getlist(key) for key in request.POST if key.startswith("q")}
    try:
        result = services.attempt_submit(attempt=found, answers=answers)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if result.status == result.Status.TIMED_OUT:
            messages.error(request, _("Time was up: answers sent after the time limit were not accepted."))
        else:
            messages.success(request, _("Submitted. Your score: %(score)s.") % {"score": result.score})
    return redirect("exams:attempt", pk=found.pk)
