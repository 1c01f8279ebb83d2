"""Managing online lessons over the API, as on the study pages (jifen.learning.study.views): training
admins (CATALOG_MANAGE) add a course's lessons and change them (order, requirements, files; inactive
hides a lesson, as the page allows: lessons are never deleted, people's progress refers to them). The
same form checks the same uploads (video types, document types, 1 GB).

Learners complete a lesson here too, as the lesson page's button does (only once everything it asks
for is done)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jifen.api.tokens import admin_paths
from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.learning.study import selectors, services
from jifen.learning.study.forms import LessonForm
from jifen.learning.study.models import Lesson
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access

router = Router(tags=["online study management"])

# Lessons are course content, i.e. configuration: writes need an admin token.
admin_paths(r"^study/(courses|lessons)")

FIELDS = ("title", "position", "kind", "video_url", "duration_seconds", "body", "min_seconds",
          "min_watched_percent", "is_active")


class StudyLessonManageOut(Schema):
    id: int
    course_id: int
    title: str
    position: int
    kind: str
    video_file: str = Field(..., description="The uploaded video's file name; empty: none.")
    video_url: str
    duration_seconds: int
    document: str = Field(..., description="The uploaded document's file name; empty: none.")
    body: str
    min_seconds: int
    min_watched_percent: int
    quiz_id: int | None
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_video_file(obj):
        return obj.video_file.name.rsplit("/", 1)[-1] if obj.video_file else ""

    @staticmethod
    def resolve_document(obj):
        return obj.document.name.rsplit("/", 1)[-1] if obj.document else ""


class StudyLessonIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    position: int = Field(1, ge=0, le=32_767, description="Order within the course.")
    kind: Lesson.Kind = Lesson.Kind.VIDEO
    video_url: str = Field("", max_length=500, description="Instead of an uploaded video: http://, https:// or /.")
    duration_seconds: int = Field(0, ge=0, le=1_000_000, description="Videos: the length in seconds.")
    body: str = Field("", max_length=100_000, description="Documents: the reading, instead of (or with) a file.")
    min_seconds: int = Field(0, ge=0, le=1_000_000, description="Minimum study time.")
    min_watched_percent: int = Field(90, ge=0, le=100, description="Videos: the share actually played.")
    quiz_id: int | None = Field(None, description="A quiz of the same course to pass; null: none.")
    is_active: bool = True


class StudyLessonPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, le=32_767, description="Order within the course.")
    kind: Lesson.Kind | None = None
    video_url: str | None = Field(None, max_length=500)
    duration_seconds: int | None = Field(None, ge=0, le=1_000_000)
    body: str | None = Field(None, max_length=100_000)
    min_seconds: int | None = Field(None, ge=0, le=1_000_000)
    min_watched_percent: int | None = Field(None, ge=0, le=100)
    quiz_id: int | None = Field(None, description="null: no quiz.")
    is_active: bool | None = Field(None, description="false hides the lesson from learners.")


class StudyCompletionOut(Schema):
    lesson_id: int
    completed_at: dt.datetime
    seconds: int
    watched_percent: int


def _manager(request):
    get_access(request).require(Perm.CATALOG_MANAGE)


def _form_data(values: dict) -> dict:
    data = {name: values[name] for name in FIELDS}
    data["quiz"] = values.get("quiz_id") or ""
    if not data["is_active"]:
        data.pop("is_active")  # an unticked box is absent from a form
    return data


def _save(form: LessonForm, course: Course, lesson: Lesson | None, files: dict) -> Lesson:
    """Check with the page's form, then save as the page does. When only the model's own constraints
    object (a video without its length), the service says which rule, in the users' words."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        refusal = ApplicationError(errors[0], field=None if field == "__all__" else field)
        if set(form.errors) != {"__all__"}:
            raise refusal
        try:
            with transaction.atomic():
                services.lesson_save(**_arguments(form.cleaned_data, course, lesson, files))
                raise refusal  # the service found nothing to say: refuse as the form did, keep nothing
        except IntegrityError as error:
            raise refusal from error
    return services.lesson_save(**_arguments(form.cleaned_data, course, lesson, files))


def _arguments(data: dict, course: Course, lesson: Lesson | None, files: dict) -> dict:
    return dict(
        lesson=lesson, course=course, title=data["title"], kind=data["kind"], position=data["position"],
        video_file=files.get("video_file"), video_url=data["video_url"],
        duration_seconds=data["duration_seconds"] or 0, document=files.get("document"), body=data["body"],
        min_seconds=data["min_seconds"], min_watched_percent=data["min_watched_percent"], quiz=data["quiz"],
        is_active=data["is_active"],
    )


def _current(lesson: Lesson) -> dict:
    values = {name: getattr(lesson, name) for name in FIELDS}
    values["quiz_id"] = lesson.quiz_id
    return values


def _uploads(kind: str, upload) -> dict:
    """The one file of the API, in the page form's field for the lesson's kind."""
    if not upload:
        return {}
    return {"video_file" if kind == Lesson.Kind.VIDEO else "document": upload}


@router.get("/study/courses/{course_id}/lessons", response=list[StudyLessonManageOut],
            url_name="study_manage_lessons")
def manage_lessons(request, course_id: int):
    """All the course's lessons, inactive ones too, in order."""
    _manager(request)
    course = get_object_or_404(Course, pk=course_id)
    return list(Lesson.objects.filter(course=course).order_by("position", "pk"))


@router.post("/study/courses/{course_id}/lessons", response={201: StudyLessonManageOut},
             url_name="study_lesson_create")
def lesson_create(request, course_id: int, payload: Form[StudyLessonIn], file: File[UploadedFile | None] = None):
    """Add a lesson (multipart form). ``file`` is the video of a video lesson (.mp4, .webm) or the document
    of a document lesson (.pdf, .docx, .pptx, .xlsx, .txt, .md), at most 1 GB. Instead of a file a video
    may have a ``video_url`` (and needs its length), a document a ``body``."""
    _manager(request)
    course = get_object_or_404(Course, pk=course_id)
    files = _uploads(payload.kind, file)
    form = LessonForm(_form_data(payload.dict()), files, course=course)
    return Status(201, _save(form, course, None, files))


def _lesson(lesson_id: int) -> Lesson:
    return get_object_or_404(Lesson.objects.select_related("course"), pk=lesson_id)


@router.patch("/study/lessons/{lesson_id}", response=StudyLessonManageOut, url_name="study_lesson_edit")
def lesson_edit(request, lesson_id: int, payload: StudyLessonPatch):
    """Change what is given: order (``position``), requirements, the quiz, ``is_active`` (false hides the
    lesson). The file is replaced with ``POST /study/lessons/{id}/file``."""
    _manager(request)
    found = _lesson(lesson_id)
    given = payload.dict(exclude_unset=True)
    for name, value in given.items():
        if value is None and name != "quiz_id":
            raise ApplicationError(_("This field cannot be empty."), field=name)
    values = {**_current(found), **given}
    form = LessonForm(_form_data(values), {}, instance=found, course=found.course)
    return _save(form, found.course, Lesson.objects.get(pk=found.pk), {})


@router.post("/study/lessons/{lesson_id}/file", response=StudyLessonManageOut, url_name="study_lesson_file")
def lesson_file(request, lesson_id: int, file: File[UploadedFile]):
    """Upload (or replace) the lesson's ``file`` (multipart form): the video of a video lesson, the document
    of a document lesson, with the same checks as the lesson page."""
    _manager(request)
    found = _lesson(lesson_id)
    files = _uploads(found.kind, file)
    form = LessonForm(_form_data(_current(found)), files, instance=found, course=found.course)
    return _save(form, found.course, Lesson.objects.get(pk=found.pk), files)


@router.post("/lessons/{lesson_id}/complete", response=StudyCompletionOut, url_name="study_lesson_complete")
def lesson_complete(request, lesson_id: int):
    """Complete a lesson of your own, as the lesson page's button does: refused (400, saying what is still
    missing) until the study time, the share watched and the quiz are done. Completing the course's last
    lesson completes the course."""
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied
    found = selectors.lesson_for_learner(pk=lesson_id)
    if found is None:
        raise Http404
    progress = services.lesson_complete(lesson=found, person=Person.objects.get(pk=person_id))
    return {"lesson_id": found.pk, "completed_at": progress.completed_at, "seconds": progress.seconds,
            "watched_percent": progress.watched_percent}
