"""Question banks and quizzes over the API: the same forms, services and permission (CATALOG_MANAGE, any
course) as the exams admin pages. A bank and its quizzes are the catalogue's configuration, so writes
need an admin-scope token."""

import datetime as dt
from typing import Annotated

from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.api.tokens import admin_paths
from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.learning.exams import selectors, services
from jifen.learning.exams.forms import QuestionForm, QuizForm, answer_text
from jifen.learning.exams.models import Question, QuestionKind, Quiz, QuizKind
from jifen.org.permissions import Perm, get_access

router = Router(tags=["question banks and quizzes"])

admin_paths(r"^/?courses/[^/]+/(questions|quizzes)", r"^/?questions/", r"^/?quizzes/[^/]+/?(open|close)?/?$")

MAX_ID = 2_147_483_647
SMALL_MAX = 32_767  # PositiveSmallIntegerField
QUIZ_FIELDS = ("title", "kind", "selection", "questions", "random_count", "shuffle_questions", "shuffle_options",
               "time_limit_minutes", "max_attempts", "pass_mark", "show_answers", "is_active")


# ---------------------------------------------------------------- schemas


class BankQuestionIn(Schema):
    kind: QuestionKind
    text: str = Field(..., max_length=2000)
    options: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=26,
        description="Choice questions: the options in order (lettered A, B, C…), one line each.")
    answer: str = Field(..., max_length=2000, description=(
        "As on the page: choices by letter (B, or A,C); true or false: true / false (对 / 错); fill-in: "
        "every accepted answer, one per line."))
    explanation: str = Field("", max_length=2000)
    points: int = Field(1, ge=1, le=100)


class BankQuestionEditIn(BankQuestionIn):
    is_active: bool = Field(True, description="false retires the question from new papers.")


class BankQuestionOut(Schema):
    id: int
    course_id: int
    kind: str
    text: str
    options: list[str]
    answer: list[bool | int | str] = Field(..., description="Option indexes from 0, [true] / [false], or the "
                                                            "accepted answers.")
    answer_text: str = Field(..., description="The answer as the page writes it.")
    explanation: str
    points: int
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_answer_text(obj):
        return answer_text(obj)


class BankQuestionFilter(Schema):
    active: bool | None = Field(None, description="true: only active questions; false: only retired ones.")


class BankImportOut(Schema):
    imported: int


class ExamQuizIn(Schema):
    title: str = Field(..., max_length=200)
    kind: QuizKind = QuizKind.QUIZ
    selection: Quiz.Selection = Quiz.Selection.FIXED
    questions: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=1000, description="Fixed selection: ids of active questions of the course.")
    random_count: int | None = Field(None, ge=1, le=SMALL_MAX, description="Random selection: how many to draw.")
    shuffle_questions: bool = True
    shuffle_options: bool = True
    time_limit_minutes: int | None = Field(None, ge=1, le=SMALL_MAX, description="Empty: no time limit.")
    max_attempts: int | None = Field(None, ge=1, le=SMALL_MAX, description="Empty: no limit.")
    pass_mark: int = Field(60, ge=0, le=100)
    show_answers: bool = True
    is_active: bool = Field(True, description="Open to learners.")


class ExamQuizOut(Schema):
    id: int
    course_id: int
    title: str
    kind: str
    selection: str
    questions: list[int] = Field(..., description="The fixed questions' ids (empty for random selection).")
    random_count: int | None
    shuffle_questions: bool
    shuffle_options: bool
    time_limit_minutes: int | None
    max_attempts: int | None
    pass_mark: int
    show_answers: bool
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_questions(obj):
        return sorted(obj.questions.values_list("pk", flat=True))


# ---------------------------------------------------------------- helpers


def _manager(request):
    access = get_access(request)
    access.require(Perm.CATALOG_MANAGE)
    return access


def _course(request, course_id: int) -> Course:
    _manager(request)
    return get_object_or_404(Course, pk=course_id)


def _refuse(form, rename: dict | None = None):
    """The page form's first error, as the API's refusal."""
    for field, errors in form.errors.items():
        name = None if field == NON_FIELD_ERRORS else (rename or {}).get(field, field)
        raise ApplicationError(errors[0], field=name)
    raise ApplicationError(form.non_field_errors()[0])  # pragma: no cover - an invalid form has an error


def _question_data(payload: BankQuestionIn, *, is_active: bool = True) -> dict:
    """Checked by the page's form: the same parsing of the answer and the same limits."""
    form = QuestionForm({
        "kind": payload.kind, "text": payload.text, "options": "\n".join(payload.options),
        "answer": payload.answer, "explanation": payload.explanation, "points": payload.points,
        "is_active": is_active,
    })
    if not form.is_valid():
        _refuse(form)
    data = form.cleaned_data
    return {"kind": data["kind"], "text": data["text"], "options": data["option_list"],
            "answer": data["answer_value"], "explanation": data["explanation"], "points": data["points"]}


def _quiz_data(payload: ExamQuizIn, *, course: Course, quiz: Quiz | None = None) -> dict:
    form = QuizForm({field: getattr(payload, field) for field in QUIZ_FIELDS}, instance=quiz, course=course)
    if not form.is_valid():
        _refuse(form)
    return {field: form.cleaned_data[field] for field in QUIZ_FIELDS}


# ---------------------------------------------------------------- the question bank


@router.get("/courses/{course_id}/questions", response=list[BankQuestionOut])
@paginate(CursorPagination)
def list_bank_questions(request, course_id: int, filters: Query[BankQuestionFilter]):
    """A course's question bank, oldest first, with the correct answers (for those who manage courses)."""
    questions = selectors.questions_of(course=_course(request, course_id))
    if filters.active is not None:
        questions = questions.filter(is_active=filters.active)
    return questions


@router.post("/courses/{course_id}/questions", response={201: BankQuestionOut})
def create_bank_question(request, course_id: int, payload: BankQuestionIn):
    """Add a question to the course's bank, checked as on the page."""
    course = _course(request, course_id)
    return Status(201, services.question_create(course=course, **_question_data(payload)))


@router.post("/courses/{course_id}/questions/import", response=BankImportOut)
def import_bank_questions(request, course_id: int, file: File[UploadedFile]):
    """Add the questions of an Excel sheet (.xlsx; columns: type (单选/多选/判断/填空), question, options
    (one per line or separated by |), answer, explanation, points), all or none: a bad row refuses the
    whole file and names its row."""
    course = _course(request, course_id)
    return {"imported": services.questions_import(course=course, upload=file)}


def _question(request, question_id: int) -> Question:
    _manager(request)
    return get_object_or_404(Question, pk=question_id)


@router.get("/questions/{question_id}", response=BankQuestionOut)
def get_bank_question(request, question_id: int):
    return _question(request, question_id)


@router.put("/questions/{question_id}", response=BankQuestionOut)
def update_bank_question(request, question_id: int, payload: BankQuestionEditIn):
    """Change a question. Attempts already made keep the paper they were shown."""
    question = _question(request, question_id)
    fields = _question_data(payload, is_active=payload.is_active)
    return services.question_update(question=question, is_active=payload.is_active, **fields)


@router.post("/questions/{question_id}/retire", response=BankQuestionOut)
def retire_bank_question(request, question_id: int):
    """Retire a question: no new paper shows it. Retiring again changes nothing."""
    return services.question_retire(question=_question(request, question_id))


# ---------------------------------------------------------------- quizzes


@router.get("/courses/{course_id}/quizzes", response=list[ExamQuizOut])
def list_course_quizzes(request, course_id: int):
    """A course's quizzes and exams, open and closed."""
    return list(selectors.quizzes_of(course=_course(request, course_id)).prefetch_related("questions"))


@router.post("/courses/{course_id}/quizzes", response={201: ExamQuizOut})
def create_course_quiz(request, course_id: int, payload: ExamQuizIn):
    """A quiz, exam or pre-test of the course: a fixed list of its active questions, or a number drawn
    at random from its bank."""
    course = _course(request, course_id)
    return Status(201, services.quiz_save(course=course, **_quiz_data(payload, course=course)))


def _quiz(request, quiz_id: int) -> Quiz:
    _manager(request)
    return get_object_or_404(Quiz.objects.select_related("course"), pk=quiz_id)


@router.get("/quizzes/{quiz_id}", response=ExamQuizOut)
def get_course_quiz(request, quiz_id: int):
    return _quiz(request, quiz_id)


@router.put("/quizzes/{quiz_id}", response=ExamQuizOut)
def update_course_quiz(request, quiz_id: int, payload: ExamQuizIn):
    """Change a quiz. Attempts already made keep the paper they were shown."""
    quiz = _quiz(request, quiz_id)
    data = _quiz_data(payload, course=quiz.course, quiz=quiz)
    return services.quiz_save(quiz=Quiz.objects.get(pk=quiz.pk), course=quiz.course, **data)


@router.post("/quizzes/{quiz_id}/open", response=ExamQuizOut)
def open_course_quiz(request, quiz_id: int):
    """Open the quiz to learners (it needs its questions, as when it is saved)."""
    return services.quiz_set_open(quiz=_quiz(request, quiz_id), is_open=True)


@router.post("/quizzes/{quiz_id}/close", response=ExamQuizOut)
def close_course_quiz(request, quiz_id: int):
    """Close the quiz: no new attempts; attempts under way may still be submitted."""
    return services.quiz_set_open(quiz=_quiz(request, quiz_id), is_open=False)
