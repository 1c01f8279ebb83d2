"""Study pages: the learner's lesson player (phone first) and progress; admins manage lessons
(CATALOG_MANAGE). Study time is counted by the heartbeat API, not here."""

from __future__ import annotations

import mimetypes
import os
import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.learning.study import selectors, services
from jifen.learning.study.forms import LessonForm
from jifen.learning.study.models import Lesson, Progress
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25


def learner_required(view):
    """Signed in with a person record (a login without one studies nothing): passes the person id."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        person_id = get_access(request).person_id
        if person_id is None:
            raise PermissionDenied
        return view(request, person_id, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- learners


@learner_required
def my_progress(request, person_id: int):
    page = Paginator(selectors.progress_of(person_id=person_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "study/my_progress.html", {
        "page": page, "query": "", "courses": selectors.online_courses(),
    })


@learner_required
def course_lessons(request, person_id: int, course_pk: int):
    course = get_object_or_404(Course.objects.filter(is_active=True), pk=course_pk)
    lessons = selectors.lessons_with_progress(course=course, person_id=person_id)
    if not lessons:
        raise Http404
    return TemplateResponse(request, "study/course.html", {"course": course, "lessons": lessons})


def _lesson(pk: int) -> Lesson:
    lesson = selectors.lesson_for_learner(pk=pk)
    if lesson is None:
        raise Http404
    return lesson


@learner_required
def lesson(request, person_id: int, pk: int):
    found = _lesson(pk)
    progress = Progress.objects.filter(lesson=found, person=person_id).first()
    missing = services.missing_for_completion(progress=progress) if progress else None
    return TemplateResponse(request, "study/lesson.html", {
        "lesson": found, "progress": progress, "missing": missing,
        "siblings": selectors.lessons_of(course=found.course),
    })


@require_POST
@learner_required
def lesson_complete(request, person_id: int, pk: int):
    found = _lesson(pk)
    try:
        services.lesson_complete(lesson=found, person=Person.objects.get(pk=person_id))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Lesson complete."))
    return redirect("study:lesson", pk=found.pk)


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@learner_required
def media(request, person_id: int, pk: int, which: str):
    """The lesson's uploaded video or document, served by the app (intranets have no CDN). Byte
    ranges are honoured so a video can be sought."""
    found = _lesson(pk)
    field = {"video": found.video_file, "document": found.document}.get(which)
    if not field:
        raise Http404
    path = field.path
    if not os.path.exists(path):
        raise Http404
    size = os.path.getsize(path)
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    match = _RANGE.match(request.headers.get("Range", ""))
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        else:
            start, end = max(0, size - int(match.group(2))), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(min(end - start + 1, 8 * 1024 * 1024))
        response = HttpResponse(data, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{start + len(data) - 1}/{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    response = FileResponse(open(path, "rb"), content_type=content_type,  # noqa: SIM115 - FileResponse closes it
                            as_attachment=which == "document" and not content_type.startswith(("text/", "application/pdf")),
                            filename=os.path.basename(path))
    response["Accept-Ranges"] = "bytes"
    return response


# ---------------------------------------------------------------- admin


@require_perm(Perm.CATALOG_MANAGE)
def manage(request):
    page = Paginator(selectors.courses_for_admin(), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "study/manage.html", {"page": page, "query": ""})


def _save(form, course, lesson=None, files=None):
    data = form.cleaned_data
    return services.lesson_save(
        lesson=lesson, course=course, title=data["title"], kind=data["kind"], position=data["position"],
        video_file=(files or {}).get("video_file"), video_url=data["video_url"],
        duration_seconds=data["duration_seconds"] or 0, document=(files or {}).get("document"), body=data["body"],
        min_seconds=data["min_seconds"], min_watched_percent=data["min_watched_percent"], quiz=data["quiz"],
        is_active=data["is_active"],
    )


@require_perm(Perm.CATALOG_MANAGE)
def lesson_create(request, course_pk: int):
    course = get_object_or_404(Course, pk=course_pk)
    form = LessonForm(request.POST or None, request.FILES or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            _save(form, course, files=request.FILES)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lesson saved."))
            return HttpResponseRedirect(f"{redirect('study:manage').url}#course-{course.pk}")
    return TemplateResponse(request, "study/lesson_form.html", {"course": course, "form": form})


@require_perm(Perm.CATALOG_MANAGE)
def lesson_edit(request, pk: int):
    found = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
    form = LessonForm(request.POST or None, request.FILES or None, instance=found, course=found.course)
    if request.method == "POST" and form.is_valid():
        try:
            _save(form, found.course, Lesson.objects.get(pk=found.pk), files=request.FILES)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Lesson saved."))
            return HttpResponseRedirect(f"{redirect('study:manage').url}#course-{found.course_id}")
    return TemplateResponse(request, "study/lesson_form.html", {"course": found.course, "form": form,
                                                                "lesson": found})
