"""Reads shared by the study pages and API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from jifen.catalog.models import Course
from jifen.learning.study.models import Lesson, Progress


def lessons_of(*, course: Course) -> QuerySet[Lesson]:
    return Lesson.objects.filter(course=course, is_active=True).select_related("quiz").order_by("position", "pk")


def lessons_with_progress(*, course: Course, person_id: int | None) -> list[Lesson]:
    """The course's lessons, each with ``my`` (the learner's progress or None)."""
    lessons = list(lessons_of(course=course))
    mine = {}
    if person_id is not None:
        mine = {p.lesson_id: p for p in Progress.objects.filter(lesson__in=lessons, person=person_id)}
    for lesson in lessons:
        lesson.my = mine.get(lesson.pk)
    return lessons


def online_courses() -> QuerySet[Course]:
    """Courses that have lessons to study online."""
    return (Course.objects.filter(is_active=True, lessons__is_active=True)
            .annotate(lesson_count=Count("lessons", distinct=True)).order_by("code"))


def progress_of(*, person_id: int) -> QuerySet[Progress]:
    return (Progress.objects.filter(person=person_id)
            .select_related("lesson", "lesson__course").order_by("lesson__course__code", "lesson__position"))


def lesson_for_learner(*, pk: int) -> Lesson | None:
    return Lesson.objects.filter(pk=pk, is_active=True).select_related("course", "quiz").first()


def courses_for_admin() -> QuerySet[Course]:
    return (Course.objects.filter(is_active=True)
            .prefetch_related(Prefetch("lessons", queryset=Lesson.objects.order_by("position", "pk")))
            .order_by("code"))
