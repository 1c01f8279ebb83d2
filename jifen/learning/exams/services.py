"""Writes for the question bank, quizzes and attempts: start, submit, grade, and what follows
(an ``exam.scored`` event for exams, a box-ticking case for answers faster than reading allows)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.learning.exams.models import Attempt, Question, QuestionKind, Quiz, QuizKind
from jifen.learning.integrity.models import CaseKind
from jifen.learning.integrity.services import open_case
from jifen.rules.models import EventType
from jifen.rules.services import record_event


def grace_seconds() -> int:
    """Answers arriving this long after the deadline still count (network, a slow phone)."""
    return int(getattr(settings, "JIFEN_QUIZ_GRACE_SECONDS", 30))


def min_seconds_per_question() -> float:
    """Faster than this on average means the questions were not read: a box-ticking case."""
    return float(getattr(settings, "JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION", 2))


# ---------------------------------------------------------------- the question bank


def _normalise_fill(text: str) -> str:
    return "".join(str(text).split()).casefold()


def _check_question(*, kind: str, options: list[str], answer: list) -> tuple[list[str], list]:
    options = [str(o).strip() for o in options if str(o).strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            raise ApplicationError(_("A choice question needs at least two options."), field="options")
        try:
            answer = sorted({int(a) for a in answer})
        except (TypeError, ValueError) as error:
            raise ApplicationError(_("Mark the correct options."), field="answer") from error
        if not answer or any(a < 0 or a >= len(options) for a in answer):
            raise ApplicationError(_("Mark the correct options."), field="answer")
        if kind == QuestionKind.SINGLE and len(answer) != 1:
            raise ApplicationError(_("A single choice question has exactly one correct option."), field="answer")
    elif kind == QuestionKind.TRUE_FALSE:
        options = []
        if len(answer) != 1 or not isinstance(answer[0], bool):
            raise ApplicationError(_("Say whether the statement is true or false."), field="answer")
    elif kind == QuestionKind.FILL:
        options = []
        answer = [str(a).strip() for a in answer if str(a).strip()]
        if not answer:
            raise ApplicationError(_("Give at least one accepted answer."), field="answer")
    else:
        raise ApplicationError(_("Unknown question type."), field="kind")
    return options, answer


@transaction.atomic
def question_create(*, course, kind: str, text: str, options: list[str], answer: list, explanation: str = "",
                    points: int = 1) -> Question:
    if not text.strip():
        raise ApplicationError(_("Write the question."), field="text")
    options, answer = _check_question(kind=kind, options=options, answer=answer)
    return Question.objects.create(course=course, kind=kind, text=text.strip(), options=options, answer=answer,
                                   explanation=explanation, points=points)


@transaction.atomic
def question_update(*, question: Question, kind: str, text: str, options: list[str], answer: list,
                    explanation: str = "", points: int = 1, is_active: bool = True) -> Question:
    if not text.strip():
        raise ApplicationError(_("Write the question."), field="text")
    options, answer = _check_question(kind=kind, options=options, answer=answer)
    question.kind, question.text, question.options, question.answer = kind, text.strip(), options, answer
    question.explanation, question.points, question.is_active = explanation, points, is_active
    question.save()
    return question


@transaction.atomic
def question_retire(*, question: Question) -> Question:
    """Take a question out of the bank: no new paper shows it; attempts already made keep it.
    Retiring again changes nothing."""
    Question.objects.filter(pk=question.pk, is_active=True).update(is_active=False)
    question.refresh_from_db(fields=["is_active"])
    return question


def _check_quiz(*, course, selection: str, questions, random_count: int | None) -> None:
    if selection == Quiz.Selection.FIXED:
        if not questions:
            raise ApplicationError(_("Choose the questions of the quiz."), field="questions")
        if any(q.course_id != course.pk for q in questions):
            raise ApplicationError(_("Only questions of the quiz's course can be used."), field="questions")
    else:
        available = Question.objects.filter(course=course, is_active=True).count()
        if not random_count:
            raise ApplicationError(_("Say how many questions to draw."), field="random_count")
        if random_count > available:
            raise ApplicationError(
                _("The course's bank has only %(count)s active questions.") % {"count": available},
                field="random_count")


@transaction.atomic
def quiz_save(*, quiz: Quiz | None = None, course, title: str, kind: str, selection: str, questions=(),
              random_count: int | None = None, shuffle_questions: bool = True, shuffle_options: bool = True,
              time_limit_minutes: int | None = None, max_attempts: int | None = None, pass_mark: int = 60,
              show_answers: bool = True, is_active: bool = True) -> Quiz:
    """Create a quiz (``quiz`` None) or change one. Attempts already made keep the paper they were shown."""
    questions = list(questions)
    _check_quiz(course=course, selection=selection, questions=questions, random_count=random_count)
    quiz = quiz or Quiz()
    quiz.course, quiz.title, quiz.kind, quiz.selection = course, title, kind, selection
    quiz.random_count = random_count if selection == Quiz.Selection.RANDOM else None
    quiz.shuffle_questions, quiz.shuffle_options = shuffle_questions, shuffle_options
    quiz.time_limit_minutes, quiz.max_attempts, quiz.pass_mark = time_limit_minutes, max_attempts, pass_mark
    quiz.show_answers, quiz.is_active = show_answers, is_active
    quiz.save()
    quiz.questions.set(questions if selection == Quiz.Selection.FIXED else [])
    return quiz


@transaction.atomic
def quiz_set_open(*, quiz: Quiz, is_open: bool) -> Quiz:
    """Open a quiz to learners (checked as when it is saved: its active questions, or enough of them in
    the bank to draw from) or close it (no new attempts; those under way may still be submitted)."""
    locked = Quiz.objects.select_for_update().select_related("course").get(pk=quiz.pk)
    if is_open and not locked.is_active:
        questions = list(locked.questions.filter(is_active=True))
        _check_quiz(course=locked.course, selection=locked.selection, questions=questions,
                    random_count=locked.random_count)
    if locked.is_active != is_open:
        locked.is_active = is_open
        locked.save(update_fields=["is_active"])
    return locked


# ---------------------------------------------------------------- attempts


def _draw_paper(quiz: Quiz, rng: random.Random) -> list[dict]:
    if quiz.selection == Quiz.Selection.FIXED:
        questions = list(quiz.questions.filter(is_active=True).order_by("pk"))
    else:
        pool = list(Question.objects.filter(course=quiz.course_id, is_active=True).order_by("pk"))
        questions = rng.sample(pool, min(quiz.random_count or 0, len(pool)))
        questions.sort(key=lambda q: q.pk)
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    paper = []
    for question in questions:
        order = list(range(len(question.options)))
        if quiz.shuffle_options and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rng.shuffle(order)
        paper.append({"id": question.pk, "options": order})
    return paper


def attempts_left(*, quiz: Quiz, person) -> int | None:
    if quiz.max_attempts is None:
        return None
    return max(0, quiz.max_attempts - Attempt.objects.filter(quiz=quiz, person=person).count())


def attempt_start(*, quiz: Quiz, person, now: dt.datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """Start an attempt, or give back the one still open. Refused when the quiz is closed or no
    attempts are left. The deadline is set here, by the server."""
    now = now or timezone.now()
    rng = rng or random.SystemRandom()
    if not quiz.is_active:
        raise ApplicationError(_("This quiz is closed."))
    open_attempt = Attempt.objects.filter(quiz=quiz, person=person, status=Attempt.Status.IN_PROGRESS).first()
    if open_attempt is not None:
        attempt_close_if_overdue(attempt=open_attempt, now=now)
        if open_attempt.is_open:
            return open_attempt
    with transaction.atomic():
        made = Attempt.objects.filter(quiz=quiz, person=person).count()
        if quiz.max_attempts is not None and made >= quiz.max_attempts:
            raise ApplicationError(_("You have used all %(count)s attempts of this quiz.")
                                   % {"count": quiz.max_attempts})
        paper = _draw_paper(quiz, rng)
        if not paper:
            raise ApplicationError(_("This quiz has no questions yet."))
        deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
        try:
            with transaction.atomic():
                return Attempt.objects.create(quiz=quiz, person=person, number=made + 1, started_at=now,
                                              deadline=deadline, paper=paper)
        except IntegrityError as error:  # a second tab started one at the same moment
            raise ApplicationError(_("An attempt was just started; reload the page.")) from error


def _normalise_answers(paper: list[dict], kinds: dict[int, str], raw: dict) -> dict[str, list]:
    """Keep only answers to questions on the paper, in the stored shape per question type."""
    answers: dict[str, list] = {}
    for item in paper:
        qid = item["id"]
        value = raw.get(str(qid), raw.get(qid))
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        kind = kinds.get(qid)
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            chosen = set()
            for v in values:
                try:
                    index = int(v)
                except (TypeError, ValueError):
                    continue
                if index in item["options"]:
                    chosen.add(index)
            if chosen:
                answers[str(qid)] = sorted(chosen)
        elif kind == QuestionKind.TRUE_FALSE:
            v = values[0] if values else None
            if isinstance(v, str):
                v = {"true": True, "false": False}.get(v.strip().lower())
            if isinstance(v, bool):
                answers[str(qid)] = [v]
        elif kind == QuestionKind.FILL:
            text = str(values[0]).strip() if values else ""
            if text:
                answers[str(qid)] = [text[:500]]
    return answers


def is_correct(question: Question, given: list | None) -> bool:
    if not given:
        return False
    if question.kind == QuestionKind.FILL:
        typed = _normalise_fill(given[0])
        return any(typed == _normalise_fill(accepted) for accepted in question.answer)
    if question.kind == QuestionKind.SINGLE:
        return len(given) == 1 and given == question.answer
    return sorted(given) == sorted(question.answer)


def grade(*, paper: list[dict], answers: dict, questions: dict[int, Question]) -> Decimal:
    """The score out of 100, to one decimal: points of correct answers over points on the paper."""
    total = earned = 0
    for item in paper:
        question = questions.get(item["id"])
        if question is None:
            continue
        total += question.points
        if is_correct(question, answers.get(str(item["id"]))):
            earned += question.points
    if not total:
        return Decimal(0)
    return (Decimal(earned) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def baseline_score(*, attempt: Attempt) -> Decimal | None:
    """The learner's previous exam score on the same course, else their pre-test score."""
    earlier = Attempt.objects.filter(
        person=attempt.person_id, quiz__course=attempt.quiz.course_id,
    ).exclude(status=Attempt.Status.IN_PROGRESS).exclude(pk=attempt.pk).order_by("-submitted_at", "-pk")
    for kind in (QuizKind.EXAM, QuizKind.PRETEST):
        score = earlier.filter(quiz__kind=kind).values_list("score", flat=True).first()
        if score is not None:
            return score
    return None


def _close(*, attempt: Attempt, answers: dict, status: str, now: dt.datetime) -> Attempt:
    questions = Question.objects.in_bulk([item["id"] for item in attempt.paper])
    attempt.answers = answers
    attempt.status = status
    attempt.submitted_at = now
    attempt.score = grade(paper=attempt.paper, answers=answers, questions=questions)
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    if attempt.quiz.kind == QuizKind.EXAM:
        attempt.previous_score = baseline_score(attempt=attempt)
        attempt.event_key = f"exam:{attempt.pk}"
    attempt.save()
    return attempt


def _after_close(attempt: Attempt) -> None:
    """The facts that follow a closed attempt. Idempotent keys: safe to run again."""
    if attempt.quiz.kind == QuizKind.EXAM:
        data = {"score": float(attempt.score), "pass_mark": attempt.quiz.pass_mark}
        if attempt.previous_score is not None:
            data["previous_score"] = float(attempt.previous_score)
        record_event(key=attempt.event_key, type=EventType.EXAM_SCORED, person=attempt.person.employee_no,
                     occurred_at=attempt.submitted_at, course=attempt.quiz.course.code, data=data,
                     now=attempt.submitted_at)


def attempt_close_if_overdue(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """Close an open attempt whose deadline and grace have passed, with the answers it had."""
    now = now or timezone.now()
    if not attempt.is_open or attempt.deadline is None:
        return attempt
    if now <= attempt.deadline + dt.timedelta(seconds=grace_seconds()):
        return attempt
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "person").get(pk=attempt.pk)
        if not locked.is_open:
            return locked
        _close(attempt=locked, answers=locked.answers, status=Attempt.Status.TIMED_OUT, now=now)
    _after_close(locked)
    attempt.refresh_from_db()
    return attempt


def attempt_submit(*, attempt: Attempt, answers: dict, now: dt.datetime | None = None) -> Attempt:
    """Grade the answers. After the deadline (plus a small grace) the answers are refused and the
    attempt is closed with what it had; ``attempt.status`` says which happened."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "quiz__course", "person").get(
            pk=attempt.pk)
        if not locked.is_open:
            raise ApplicationError(_("This attempt has already been submitted."))
        late = locked.deadline is not None and now > locked.deadline + dt.timedelta(seconds=grace_seconds())
        if late:
            _close(attempt=locked, answers=locked.answers, status=Attempt.Status.TIMED_OUT, now=now)
        else:
            kinds = dict(Question.objects.filter(pk__in=[i["id"] for i in locked.paper]).values_list("pk", "kind"))
            given = _normalise_answers(locked.paper, kinds, answers or {})
            _close(attempt=locked, answers=given, status=Attempt.Status.SUBMITTED, now=now)
    _after_close(locked)
    if locked.status == Attempt.Status.SUBMITTED:
        _check_speed(locked)
    return locked


def _check_speed(attempt: Attempt) -> None:
    count = len(attempt.paper)
    if not count or not attempt.answers:
        return
    seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
    threshold = min_seconds_per_question()
    if seconds / count >= threshold:
        return
    open_case(
        person=attempt.person, kind=CaseKind.QUIZ_TOO_FAST, key=f"quiz-fast:{attempt.pk}", source=attempt,
        now=attempt.submitted_at,
        summary=_("%(quiz)s: %(count)s questions answered in %(seconds)s seconds (under %(min)s s per question).")
        % {"quiz": attempt.quiz.title, "count": count, "seconds": round(seconds, 1), "min": threshold},
        details={"attempt": attempt.pk, "quiz": attempt.quiz_id, "questions": count, "seconds": round(seconds, 1),
                 "min_seconds_per_question": threshold, "score": float(attempt.score)},
    )


# ---------------------------------------------------------------- Excel import of questions

KIND_WORDS = {
    "单选": QuestionKind.SINGLE, "单选题": QuestionKind.SINGLE, "single": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE, "多选题": QuestionKind.MULTIPLE, "multiple": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE, "判断题": QuestionKind.TRUE_FALSE, "truefalse": QuestionKind.TRUE_FALSE,
    "true/false": QuestionKind.TRUE_FALSE,
    "填空": QuestionKind.FILL, "填空题": QuestionKind.FILL, "fill": QuestionKind.FILL,
}


def questions_import(*, course, upload) -> int:
    """Add the questions of an .xlsx sheet (first row: headings) to the course's bank, all or none.
    A bad row refuses the whole file with its row number."""
    from openpyxl import load_workbook

    from jifen.learning.exams.forms import parse_answer

    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        raise ApplicationError(_("This file is not an Excel workbook (.xlsx)."), field="file") from error
    drafts = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [("" if c is None else str(c)).strip() for c in (list(row) + [None] * 6)[:6]]
        if not any(cells):
            continue
        kind = KIND_WORDS.get(cells[0].lower())
        if kind is None:
            raise ApplicationError(_("Row %(row)s: unknown question type “%(value)s”.")
                                   % {"row": number, "value": cells[0]}, field="file")
        options = [o.strip() for o in cells[2].replace("|", "\n").splitlines() if o.strip()]
        try:
            answer = parse_answer(kind, cells[3].replace("|", "\n") if kind == QuestionKind.FILL else cells[3])
            points = int(float(cells[5])) if cells[5] else 1
            options, answer = _check_question(kind=kind, options=options, answer=answer)
        except (ApplicationError, ValueError, Exception) as error:
            message = getattr(error, "message", None) or "; ".join(getattr(error, "messages", [])) or str(error)
            raise ApplicationError(_("Row %(row)s: %(error)s") % {"row": number, "error": message},
                                   field="file") from error
        if not cells[1]:
            raise ApplicationError(_("Row %(row)s: the question is empty.") % {"row": number}, field="file")
        drafts.append(Question(course=course, kind=kind, text=cells[1], options=options, answer=answer,
                               explanation=cells[4], points=max(1, points)))
    if not drafts:
        raise ApplicationError(_("The file has no questions."), field="file")
    with transaction.atomic():
        Question.objects.bulk_create(drafts)
    return len(drafts)
