"""Quizzes for tests, built through the services."""

from __future__ import annotations

from decimal import Decimal

from jifen.catalog.models import Course, CourseKind, Delivery
from jifen.learning.exams import services
from jifen.learning.exams.models import QuestionKind, QuizKind


def course(code: str = "SEC-01", title: str = "信息安全基础") -> Course:
    found, _ = Course.objects.get_or_create(code=code, defaults={
        "title": title, "kind": CourseKind.REQUIRED, "delivery": Delivery.ONLINE, "credits": Decimal(2)})
    return found


def ten_questions(course: Course) -> list:
    """Ten one-point questions, so each is worth 10 points of the score."""
    made = []
    for n in range(10):
        made.append(services.question_create(course=course, kind=QuestionKind.SINGLE, text=f"第{n + 1}题：选 A",
                                             options=["A 对", "B 错", "C 错"], answer=[0]))
    return made


def quiz(course: Course, questions, *, kind: str = QuizKind.QUIZ, **options):
    defaults = {"title": f"{course.title}{kind}", "selection": "fixed", "shuffle_questions": False,
                "shuffle_options": False, "pass_mark": 60}
    defaults.update(options)
    return services.quiz_save(course=course, kind=kind, questions=questions, **defaults)


def answers_scoring(questions, score: int) -> dict:
    """Answers to ``questions`` (ten one-point questions) that score ``score`` (a multiple of 10)."""
    right = score // 10
    return {str(q.pk): [0] if i < right else [1] for i, q in enumerate(questions)}
