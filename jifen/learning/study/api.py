"""Online lessons: study time counted by the server from heartbeats."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema

from jifen.catalog.models import Course
from jifen.learning.study import selectors, services
from jifen.learning.study.models import Lesson
from jifen.org.models import Person
from jifen.org.permissions import get_access

router = Router(tags=["study"])


class ProgressOut(Schema):
    lesson_id: int
    lesson: str
    course: str
    seconds: int = Field(..., description="Study time the server credited.")
    watched_percent: int
    completed_at: dt.datetime | None
    last_position: float


class LessonOut(Schema):
    id: int
    title: str
    position: int
    kind: str
    video_url: str
    document_url: str
    duration_seconds: int
    min_seconds: int
    min_watched_percent: int
    quiz_id: int | None
    my_progress: ProgressOut | None


class HeartbeatIn(Schema):
    position: float = Field(0, ge=0, description="Current video position in seconds.")
    visible: bool
    playing: bool
    client: str = Field(..., max_length=64, description="A random id per open page (tab).")


class HeartbeatOut(Schema):
    credited: int = Field(..., description="Seconds this heartbeat earned.")
    note: str
    seconds: int
    watched_percent: int
    completed: bool
    missing: list[str]


def _person_id(request) -> int:
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied
    return person_id


def _progress_out(progress) -> dict:
    return {"lesson_id": progress.lesson_id, "lesson": progress.lesson.title, "course": progress.lesson.course.code,
            "seconds": progress.seconds, "watched_percent": progress.watched_percent,
            "completed_at": progress.completed_at, "last_position": progress.last_position}


def _media_url(lesson: Lesson, which: str) -> str:
    if which == "video":
        if lesson.video_file:
            return reverse("study:media", args=[lesson.pk, "video"])
        return lesson.video_url
    return reverse("study:media", args=[lesson.pk, "document"]) if lesson.document else ""


@router.get("/courses/{course_id}/lessons", response=list[LessonOut])
def lessons_of_course(request, course_id: int):
    """A course's lessons in order, with your progress in each."""
    person_id = _person_id(request)
    course = get_object_or_404(Course.objects.filter(is_active=True), pk=course_id)
    out = []
    for lesson in selectors.lessons_with_progress(course=course, person_id=person_id):
        if lesson.my is not None:
            lesson.my.lesson = lesson
        out.append({
            "id": lesson.pk, "title": lesson.title, "position": lesson.position, "kind": lesson.kind,
            "video_url": _media_url(lesson, "video"), "document_url": _media_url(lesson, "document"),
            "duration_seconds": lesson.duration_seconds, "min_seconds": lesson.min_seconds,
            "min_watched_percent": lesson.min_watched_percent, "quiz_id": lesson.quiz_id,
            "my_progress": _progress_out(lesson.my) if lesson.my is not None else None,
        })
    return out


@router.post("/lessons/{lesson_id}/heartbeat", response=HeartbeatOut)
def lesson_heartbeat(request, lesson_id: int, payload: HeartbeatIn):
    """Send every 10-15 s while the lesson page is open. The server credits at most the time since this
    page's previous heartbeat (capped), and only while the page was visible and the video playing."""
    person_id = _person_id(request)
    lesson = selectors.lesson_for_learner(pk=lesson_id)
    if lesson is None:
        raise Http404
    beat = services.heartbeat_record(lesson=lesson, person=Person.objects.get(pk=person_id),
                                     position=payload.position, visible=payload.visible, playing=payload.playing,
                                     client=payload.client)
    progress = beat.progress
    progress.lesson = lesson
    return {"credited": beat.credited, "note": beat.note, "seconds": progress.seconds,
            "watched_percent": progress.watched_percent, "completed": progress.completed_at is not None,
            "missing": services.missing_for_completion(progress=progress) if progress.completed_at is None else []}


@router.get("/study/progress/mine", response=list[ProgressOut])
def my_study_progress(request):
    """Your progress in every lesson you have started (at most 500)."""
    return [_progress_out(p) for p in selectors.progress_of(person_id=_person_id(request))[:500]]
