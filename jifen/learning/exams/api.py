"""Question bank, quizzes and exams, attempts and grading: a learner starts an attempt, submits
answers, and reads their attempts and results."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from jifen.learning.exams import selectors, services
from jifen.learning.exams.models import Quiz
from jifen.org.models import Person
from jifen.org.permissions import get_access

router = Router(tags=["exams"])


class OptionOut(Schema):
    value: int = Field(..., description="Send this number back as the answer.")
    letter: str
    text: str


class QuestionOut(Schema):
    id: int
    number: int
    kind: str = Field(..., description="single | multiple | truefalse | fill")
    text: str
    options: list[OptionOut]


class AttemptOut(Schema):
    id: int
    quiz_id: int
    quiz: str
    kind: str
    number: int
    status: str
    started_at: dt.datetime
    deadline: dt.datetime | None
    submitted_at: dt.datetime | None
    score: float | None
    passed: bool | None
    previous_score: float | None
    pass_mark: int


class AttemptPaperOut(AttemptOut):
    questions: list[QuestionOut]


class AnswersIn(Schema):
    answers: dict[str, list[int] | list[bool] | list[str] | int | bool | str] = Field(
        default_factory=dict, description='{"<question id>": [option values] | [true] | ["typed answer"]}')


def _person(request) -> Person:
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied
    return Person.objects.get(pk=person_id)


def _attempt_out(attempt, *, with_paper: bool = False) -> dict:
    out = {
        "id": attempt.pk, "quiz_id": attempt.quiz_id, "quiz": attempt.quiz.title, "kind": attempt.quiz.kind,
        "number": attempt.number, "status": attempt.status, "started_at": attempt.started_at,
        "deadline": attempt.deadline, "submitted_at": attempt.submitted_at,
        "score": float(attempt.score) if attempt.score is not None else None, "passed": attempt.passed,
        "previous_score": float(attempt.previous_score) if attempt.previous_score is not None else None,
        "pass_mark": attempt.quiz.pass_mark,
    }
    if with_paper:
        out["questions"] = [
            {"id": item.question.pk, "number": item.number, "kind": item.question.kind, "text": item.question.text,
             "options": [{"value": i, "letter": letter, "text": text} for i, letter, text in item.options]}
            for item in selectors.paper(attempt=attempt)
        ]
    return out


@router.post("/quizzes/{quiz_id}/attempts", response={201: AttemptPaperOut})
def quiz_attempt_start(request, quiz_id: int):
    """Start an attempt (or get back the one still open): the questions as drawn for you and the deadline."""
    person = _person(request)
    quiz = get_object_or_404(Quiz.objects.filter(is_active=True), pk=quiz_id)
    attempt = services.attempt_start(quiz=quiz, person=person)
    return Status(201, _attempt_out(attempt, with_paper=True))


@router.post("/attempts/{attempt_id}/submit", response=AttemptOut)
def quiz_attempt_submit(request, attempt_id: int, payload: AnswersIn):
    """Submit the answers. After the deadline (plus a short grace) they are refused and the attempt is
    closed with status timed_out."""
    person = _person(request)
    attempt = selectors.own_attempt(person_id=person.pk, pk=attempt_id)
    if attempt is None:
        raise Http404
    return _attempt_out(services.attempt_submit(attempt=attempt, answers=payload.answers))


@router.get("/attempts/mine", response=list[AttemptOut])
def my_quiz_attempts(request):
    """Your attempts and results, newest first (at most 200)."""
    person = _person(request)
    return [_attempt_out(a) for a in selectors.attempts_of(person_id=person.pk)[:200]]
