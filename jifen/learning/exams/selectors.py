"""Reads shared by the exams pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from jifen.catalog.models import Course
from jifen.learning.exams.models import Attempt, Question, QuestionKind, Quiz
from jifen.learning.exams.services import is_correct

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def courses_with_banks() -> QuerySet[Course]:
    return Course.objects.filter(is_active=True).annotate(
        question_count=Count("questions", distinct=True), quiz_count=Count("quizzes", distinct=True),
    ).order_by("code")


def questions_of(*, course: Course) -> QuerySet[Question]:
    return Question.objects.filter(course=course).order_by("pk")


def quizzes_of(*, course: Course) -> QuerySet[Quiz]:
    return Quiz.objects.filter(course=course).annotate(fixed_count=Count("questions")).order_by("pk")


def open_quizzes(*, person_id: int) -> QuerySet[Quiz]:
    """Quizzes a learner can take, with how many attempts they made and their best score."""
    return (
        Quiz.objects.filter(is_active=True, course__is_active=True).select_related("course")
        .annotate(
            my_attempts=Count("attempts", filter=Q(attempts__person=person_id), distinct=True),
        ).order_by("course__code", "pk")
    )


def attempts_of(*, person_id: int) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person_id).select_related("quiz", "quiz__course").order_by("-started_at", "-pk")


def own_attempt(*, person_id: int | None, pk: int) -> Attempt | None:
    if person_id is None:
        return None
    return Attempt.objects.filter(person=person_id, pk=pk).select_related("quiz", "quiz__course", "person").first()


@dataclass
class PaperItem:
    number: int
    question: Question
    options: list[tuple[int, str, str]] = field(default_factory=list)  # (original index, letter, text)
    given: list = field(default_factory=list)
    correct: bool = False

    @property
    def field_name(self) -> str:
        return f"q{self.question.pk}"

    @property
    def correct_text(self) -> str:
        q = self.question
        if q.kind == QuestionKind.FILL:
            return " / ".join(q.answer)
        if q.kind == QuestionKind.TRUE_FALSE:
            return "✓" if q.answer == [True] else "✗"
        letters = {index: letter for index, letter, _ in self.options}
        return ", ".join(sorted(letters.get(i, "?") for i in q.answer))

    @property
    def given_text(self) -> str:
        q = self.question
        if not self.given:
            return "—"
        if q.kind == QuestionKind.FILL:
            return str(self.given[0])
        if q.kind == QuestionKind.TRUE_FALSE:
            return "✓" if self.given == [True] else "✗"
        letters = {index: letter for index, letter, _ in self.options}
        return ", ".join(sorted(letters.get(i, "?") for i in self.given))


def paper(*, attempt: Attempt) -> list[PaperItem]:
    """The questions as this attempt showed them (order, option order), with the answers given."""
    questions = Question.objects.in_bulk([item["id"] for item in attempt.paper])
    items = []
    for item in attempt.paper:
        question = questions.get(item["id"])
        if question is None:
            continue
        options = [(index, LETTERS[pos], question.options[index])
                   for pos, index in enumerate(item["options"]) if index < len(question.options)]
        given = attempt.answers.get(str(question.pk), [])
        items.append(PaperItem(number=len(items) + 1, question=question, options=options, given=given,
                               correct=is_correct(question, given)))
    return items
