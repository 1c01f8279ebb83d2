"""Forms and their questions: building them (a version that has been answered is copied to a new
version before any change), and checking answers question by question with translated errors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.tracking.instruments.models import (
    Answer,
    Dimension,
    Form,
    FormKind,
    FormVersion,
    Question,
    QuestionKind,
    Response,
)

TEXT_MAX = 5000
OPTIONS_MAX = 20
LIKERT = range(1, 6)


class AnswersInvalid(ApplicationError):
    """Some answers are not valid: ``errors`` maps the question id to its translated message."""

    def __init__(self, errors: dict[int, str]):
        first_id, first = next(iter(errors.items()))
        super().__init__(first, field=f"q{first_id}")
        self.errors = errors


# ---------------------------------------------------------------- building forms


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("Give the form a name."), field="name")
    if len(value) > 200:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": 200}, field="name")
    return value


@transaction.atomic
def form_create(*, name: str, kind: str = FormKind.GENERAL, anonymous: bool = False, description: str = "",
                code: str = "", created_by=None) -> Form:
    if kind not in FormKind.values:
        raise ApplicationError(_("Choose a kind of form."), field="kind")
    form = Form.objects.create(name=_name(name), kind=kind, anonymous=anonymous, description=description.strip(),
                               code=code, created_by=created_by)
    FormVersion.objects.create(form=form, number=1)
    return form


def _options(kind: str, options) -> list[str]:
    if isinstance(options, str):
        options = options.splitlines()
    cleaned = [str(o).strip() for o in (options or []) if str(o).strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.MATRIX):
        if len(cleaned) < (1 if kind == QuestionKind.MATRIX else 2):
            if kind == QuestionKind.MATRIX:
                raise ApplicationError(_("List the rows to rate, one per line."), field="options")
            raise ApplicationError(_("List at least two choices, one per line."), field="options")
        if len(cleaned) > OPTIONS_MAX:
            raise ApplicationError(_("At most %(max)d lines.") % {"max": OPTIONS_MAX}, field="options")
        if len(set(cleaned)) != len(cleaned):
            raise ApplicationError(_("Each line must be different."), field="options")
        return cleaned
    return []


def editable_version(form: Form) -> FormVersion:
    """The version to change: the current one, or (once it has been answered) a copy of it as the
    next version, so answers already given keep the wording they answered."""
    current = FormVersion.objects.select_for_update().filter(form=form).order_by("-number").first()
    if not current.in_use:
        return current
    new = FormVersion.objects.create(form=form, number=current.number + 1)
    for question in current.questions.order_by("position", "pk"):
        question.pk, question.version = None, new
        question.save()
    return new


def _same_in(version: FormVersion, question: Question) -> Question:
    """The question in ``version`` that stands where ``question`` stood (the copy, after a new version)."""
    if question.version_id == version.pk:
        return question
    old = list(question.version.questions.order_by("position", "pk").values_list("pk", flat=True))
    return list(version.questions.order_by("position", "pk"))[old.index(question.pk)]


@transaction.atomic
def question_add(*, form: Form, kind: str, text: str, help_text: str = "", required: bool = True,
                 min_value=None, max_value=None, options=None, dimension: str = "", topic: str = "") -> Question:
    if kind not in QuestionKind.values:
        raise ApplicationError(_("Choose a kind of question."), field="kind")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write the question."), field="text")
    if len(text) > 500:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": 500}, field="text")
    if dimension and dimension not in Dimension.values:
        raise ApplicationError(_("Choose a dimension."), field="dimension")
    if kind == QuestionKind.SCORE:
        min_value = Decimal(0) if min_value in (None, "") else Decimal(str(min_value))
        max_value = Decimal(100) if max_value in (None, "") else Decimal(str(max_value))
        if max_value <= min_value:
            raise ApplicationError(_("The highest score must be above the lowest."), field="max_value")
    else:
        min_value = max_value = None
    cleaned_options = _options(kind, options)
    version = editable_version(form)
    position = (version.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    return Question.objects.create(version=version, position=position, kind=kind, text=text,
                                   help_text=(help_text or "").strip()[:500], required=required,
                                   min_value=min_value, max_value=max_value, options=cleaned_options,
                                   dimension=dimension or "", topic=(topic or "")[:30])


def _current(question: Question) -> None:
    if question.version.form.current_version().pk != question.version_id:
        raise ApplicationError(_("This question belongs to an earlier version of the form."))


@transaction.atomic
def question_remove(*, question: Question) -> FormVersion:
    _current(question)
    version = editable_version(question.version.form)
    _same_in(version, question).delete()
    return version


@transaction.atomic
def question_move(*, question: Question, up: bool) -> FormVersion:
    _current(question)
    version = editable_version(question.version.form)
    ordered = list(version.questions.order_by("position", "pk"))
    moving = _same_in(version, question)
    index = ordered.index(moving)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return version


# ---------------------------------------------------------------- answers


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return int(number) if number == number.to_integral_value() else None


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clean_answer(question: Question, value):
    """The stored form of one answer, or ApplicationError with the question's message."""
    kind = question.kind
    if kind == QuestionKind.MATRIX and isinstance(value, dict):
        value = {str(k): v for k, v in value.items() if not _empty(v)}
    if isinstance(value, list) and kind != QuestionKind.MULTIPLE:
        value = value[0] if value else None
    if _empty(value):
        if question.required:
            raise ApplicationError(_("Please answer this question."))
        return None
    if kind == QuestionKind.LIKERT:
        number = _int(value)
        if number not in LIKERT:
            raise ApplicationError(_("Choose a value from 1 to 5."))
        return number
    if kind == QuestionKind.SCORE:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ApplicationError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ApplicationError(_("Enter a number."))
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise ApplicationError(_("Enter a number from %(low)s to %(high)s.") % {
                "low": f"{low.normalize():f}", "high": f"{high.normalize():f}"})
        return float(number)
    if kind == QuestionKind.SINGLE:
        number = _int(value)
        if number is None or not 0 <= number < len(question.options):
            raise ApplicationError(_("Choose one of the options."))
        return number
    if kind == QuestionKind.MULTIPLE:
        values = value if isinstance(value, list) else [value]
        numbers = [_int(v) for v in values]
        if any(n is None or not 0 <= n < len(question.options) for n in numbers) or len(set(numbers)) != len(numbers):
            raise ApplicationError(_("Choose among the options."))
        return sorted(numbers)
    if kind == QuestionKind.MATRIX:
        if not isinstance(value, dict):
            raise ApplicationError(_("Rate each row from 1 to 5."))
        rows = {}
        for key, rating in value.items():
            row, number = _int(key), _int(rating)
            if row is None or not 0 <= row < len(question.options) or number not in LIKERT:
                raise ApplicationError(_("Rate each row from 1 to 5."))
            rows[str(row)] = number
        if question.required and len(rows) < len(question.options):
            raise ApplicationError(_("Rate each row from 1 to 5."))
        return rows
    text = str(value).strip()
    if len(text) > TEXT_MAX:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": TEXT_MAX})
    if not text and question.required:
        raise ApplicationError(_("Please answer this question."))
    return text or None


def clean_answers(version: FormVersion, raw: dict) -> dict[int, object]:
    """Every question of the version checked; ``raw`` maps question ids (int or str) to answers.
    Raises AnswersInvalid naming every question at fault."""
    given = {str(k).removeprefix("q"): v for k, v in (raw or {}).items()}
    cleaned, errors = {}, {}
    for question in version.questions.order_by("position", "pk"):
        try:
            cleaned[question.pk] = clean_answer(question, given.get(str(question.pk)))
        except ApplicationError as error:
            errors[question.pk] = error.message
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


def mark_in_use(version: FormVersion) -> None:
    if not version.in_use:
        FormVersion.objects.filter(pk=version.pk).update(in_use=True)
        version.in_use = True


@transaction.atomic
def response_submit(*, version: FormVersion, respondent, answers: dict, subject=None, context: str = "",
                    now) -> Response:
    """A named response: the answers checked against the version's questions, stored with it."""
    cleaned = clean_answers(version, answers)
    if context and Response.objects.filter(context=context).exists():
        raise ApplicationError(_("This has been answered already."), code="answered")
    response = Response.objects.create(version=version, respondent=respondent, subject=subject, context=context,
                                       submitted_at=now)
    Answer.objects.bulk_create([Answer(response=response, question_id=qid, value=value)
                                for qid, value in cleaned.items()])
    mark_in_use(version)
    return response


# ---------------------------------------------------------------- built-in forms

SURVEY_CODE, EVALUATION_CODE = "satisfaction-survey", "evaluation-360"


def _builtin(code: str, name: str, kind: str, anonymous: bool, questions: list[dict]) -> Form:
    found = Form.objects.filter(code=code).first()
    if found is not None:
        return found
    form = form_create(name=name, kind=kind, anonymous=anonymous, code=code)
    for question in questions:
        question_add(form=form, **question)
    return form


@transaction.atomic
def default_survey() -> Form:
    """The anonymous satisfaction survey of seed 004: course content, method, trainer, timing, and how
    well one applies what was learnt."""
    return _builtin(SURVEY_CODE, _("Training satisfaction survey"), FormKind.SURVEY, True, [
        {"kind": QuestionKind.LIKERT, "text": _("The course content was useful for my work."), "topic": "content"},
        {"kind": QuestionKind.LIKERT, "text": _("The teaching method helped me learn."), "topic": "method"},
        {"kind": QuestionKind.LIKERT, "text": _("The trainer explained clearly and answered questions well."),
         "topic": "trainer"},
        {"kind": QuestionKind.LIKERT, "text": _("The timing and length of the training suited me."),
         "topic": "timing"},
        {"kind": QuestionKind.LIKERT, "text": _("I already apply what I learnt in my work."), "topic": "application"},
        {"kind": QuestionKind.TEXT, "text": _("What should we improve?"), "required": False},
    ])


@transaction.atomic
def default_evaluation() -> Form:
    """The work-performance evaluation of seed 004: attitude, ability and results, with comments."""
    rows = {
        Dimension.ATTITUDE: [_("Sense of responsibility"), _("Initiative"), _("Teamwork")],
        Dimension.ABILITY: [_("Applies the skills taught"), _("Solves problems"), _("Communicates and coordinates")],
        Dimension.RESULTS: [_("Completes tasks"), _("Quality of work"), _("Efficiency has improved")],
    }
    return _builtin(EVALUATION_CODE, _("Work-performance evaluation after training"), FormKind.EVALUATION, False, [
        *[{"kind": QuestionKind.MATRIX, "text": str(Dimension(d).label), "options": [str(r) for r in rs],
           "dimension": d} for d, rs in rows.items()],
        {"kind": QuestionKind.TEXT, "text": _("Strengths shown since the training"), "required": False,
         "topic": "strengths"},
        {"kind": QuestionKind.TEXT, "text": _("What is still lacking"), "required": False, "topic": "weaknesses"},
        {"kind": QuestionKind.TEXT, "text": _("Suggestions for improvement"), "required": False,
         "topic": "suggestions"},
    ])
