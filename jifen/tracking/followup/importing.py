"""Knowledge and skill test results (知识技能考核成绩) of a tracking plan from a spreadsheet.

Columns: employee number (工号), score (成绩, 0-100), and optionally the score before the training
(培训前成绩) and the date the test was taken (考核日期); Chinese or English names. The file is read with
the roster import's table reader (jifen.org.importing.read_table: .xlsx or .csv, streamed, header found
among the first rows, formulas refused), every row checked (``check``, the dry run, writes nothing),
then written all or nothing (``commit``) only when no row has an error.

Each result is graded 优秀 / 良好 / 合格 / 不合格 by the plan template's thresholds (services.grade_for),
the same as one result recorded on the plan page (services.test_result_record), and the learner's open
test task is done. A row whose values match what is stored changes nothing, so importing the same file
twice writes once. A blank 培训前成绩 or 考核日期 keeps what is stored (a new result is taken today).

The number of queries does not grow with the rows: the plan's learners and results are read once,
and results are written in batches. (services.test_result_record reads every learner of the plan on
each call, which is fine for one result and far too slow for ten thousand.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.core.spreadsheets import Book
from jifen.org.importing import HEADER_ALIASES, Roster, RowError, _parse_date, cell_text, read_table
from jifen.org.models import Person
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Grade, Plan, Task, TaskStatus, TestResult

COLUMNS = ("employee_no", "score", "pre_score", "taken_on")
REQUIRED = ("employee_no", "score")
CHINESE_HEADERS = {"employee_no": "工号", "score": "成绩", "pre_score": "培训前成绩", "taken_on": "考核日期"}
ENGLISH_HEADERS = {"employee_no": "employee_no", "score": "score", "pre_score": "pre_score", "taken_on": "taken_on"}
ALIASES = {
    "employee_no": HEADER_ALIASES["employee_no"],
    "score": ("score", "test score", "result", "mark", "marks", "score after training", "成绩", "考核成绩", "考试成绩",
              "测试成绩", "分数", "得分", "培训后成绩", "后测成绩"),
    "pre_score": ("pre_score", "pre score", "pre-training score", "pretest", "pre-test score", "score before",
                  "score before training", "培训前成绩", "培训前分数", "前测成绩", "前测", "训前成绩"),
    "taken_on": ("taken_on", "taken on", "date taken", "test date", "date", "考核日期", "考试日期", "测试日期", "考核时间",
                 "考试时间", "日期"),
}
MAX_NUMBER_LENGTH = 32
MAX_TEXT_LENGTH = 40
LOOKUP_CHUNK = 500  # employee numbers per query when looking up people who are not learners
WRITE_BATCH = 500


class Outcome:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def outcome_label(outcome: str) -> str:
    return {Outcome.NEW: _("New result"), Outcome.CHANGED: _("Score changed"),
            Outcome.UNCHANGED: _("Unchanged")}[outcome]


def _shown(score: Decimal | None) -> str:
    """86.50 as 86.5, 90.00 as 90."""
    return "" if score is None else f"{score.normalize():f}"


@dataclass
class RowResult:
    """What one row of the file does (or did): a new result, a changed one, or nothing."""

    row: int
    person: Person
    score: Decimal
    pre_score: Decimal | None
    taken_on: dt.date
    grade: str
    outcome: str
    previous_score: Decimal | None = None
    previous_grade: str = ""

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label)

    @property
    def score_shown(self) -> str:
        return _shown(self.score)

    @property
    def pre_score_shown(self) -> str:
        return _shown(self.pre_score)

    @property
    def previous_score_shown(self) -> str:
        return _shown(self.previous_score)

    @property
    def previous_grade_label(self) -> str:
        return str(Grade(self.previous_grade).label) if self.previous_grade else ""

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)


@dataclass
class TestImport:
    """What importing a file would do (the dry run) or did (``committed``)."""

    __test__ = False  # not a pytest class, whatever its name

    plan: Plan
    file_name: str
    rows: int = 0
    results: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self._count(Outcome.NEW)

    @property
    def updated(self) -> int:
        return self._count(Outcome.CHANGED)

    @property
    def unchanged(self) -> int:
        return self._count(Outcome.UNCHANGED)

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def grade_counts(self) -> list[tuple[str, str, int]]:
        """(grade, its label, how many rows of the file get it), best grade first."""
        counts = {value: 0 for value in Grade.values}
        for result in self.results:
            counts[result.grade] += 1
        return [(value, str(label), counts[value]) for value, label in Grade.choices]

    def as_dict(self, *, max_rows: int | None = None) -> dict:
        errors = self.errors if max_rows is None else self.errors[:max_rows]
        results = self.results if max_rows is None else self.results[:max_rows]
        return {
            "plan_id": self.plan.pk, "plan": self.plan.name, "file_name": self.file_name,
            "committed": self.committed, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "error_rows": self.error_rows, "error_count": len(self.errors),
            "errors": [{"row": e.row, "column": e.column, "field": e.field, "message": e.message} for e in errors],
            "grades": {value: n for value, _label, n in self.grade_counts()},
            "results": [{"row": r.row, "employee_no": r.person.employee_no, "name": r.person.name,
                         "outcome": r.outcome, "score": r.score, "pre_score": r.pre_score, "taken_on": r.taken_on,
                         "grade": r.grade, "grade_label": r.grade_label, "previous_score": r.previous_score,
                         "previous_grade": r.previous_grade or None} for r in results],
            "ignored_columns": list(self.ignored_columns),
        }


class TestImportRejected(ApplicationError):
    """A commit found row errors (perhaps new since the dry run): nothing was written."""

    __test__ = False

    def __init__(self, result: TestImport):
        super().__init__(
            ngettext("%(count)d row has errors; nothing was imported.",
                     "%(count)d rows have errors; nothing was imported.", result.error_rows)
            % {"count": result.error_rows},
            code="import_rejected",
        )
        self.result = result


# ---------------------------------------------------------------- reading


def read(data: bytes, file_name: str) -> Roster:
    """The file's rows, or ImportFileError (not .xlsx / .csv, too big, empty, no 工号 or 成绩 column)."""
    return read_table(data, file_name, aliases=ALIASES, required=REQUIRED, column_names=CHINESE_HEADERS,
                      no_rows=_("The file names its columns but has no rows of test results below them."))


@dataclass
class _Line:
    row: int
    employee_no: str = ""
    score: Decimal | None = None
    pre_score: Decimal | None = None
    taken_on: dt.date | None = None


def _number(value, *, required: bool) -> tuple[Decimal | None, str]:
    """A score from a cell: a number from 0 to 100 (two decimals kept), or why not."""
    if isinstance(value, bool | dt.date | dt.time):
        return None, _("“%(value)s” is not a number: write the score, such as 86.5.") % {"value": value}
    if isinstance(value, int | float | Decimal):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text, problem = cell_text(value, max_length=MAX_TEXT_LENGTH)
        if problem:
            return None, problem
        text = text.removesuffix("分").strip()  # "86.5分"
    if not text:
        return None, _("Each row needs a score.") if required else ""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, _("“%(value)s” is not a number: write the score, such as 86.5.") % {"value": text[:MAX_TEXT_LENGTH]}
    if not number.is_finite() or not 0 <= number <= 100:
        return None, _("Enter a score from 0 to 100.")
    return number.quantize(Decimal("0.01")), ""


def _date(value, today: dt.date) -> tuple[dt.date | None, str]:
    if isinstance(value, str) or value is None:
        text, problem = cell_text(value, max_length=MAX_TEXT_LENGTH)
        if problem:
            return None, problem
        if not text:
            return None, ""
        value = text
    try:
        taken_on = _parse_date(value)
    except (ValueError, TypeError, OverflowError):
        return None, _("“%(value)s” is not a date: write it as 2024-03-01.") % {"value": str(value)[:MAX_TEXT_LENGTH]}
    if taken_on > today:
        return None, _("The test cannot have been taken after today (%(today)s).") % {"today": today.isoformat()}
    return taken_on, ""


def _lines(table: Roster, today: dt.date) -> tuple[list[_Line], list[RowError]]:
    lines, errors = [], []

    def error(number: int, column: str, message: str) -> None:
        errors.append(RowError(row=number, column=table.columns.get(column, CHINESE_HEADERS[column]),
                               message=message, field=column))

    for number, cells in table.rows:
        line = _Line(row=number)
        text, problem = cell_text(cells.get("employee_no"), max_length=MAX_NUMBER_LENGTH)
        if problem:
            error(number, "employee_no", problem)
        line.employee_no = text or ""
        line.score, problem = _number(cells.get("score"), required=True)
        if problem:
            error(number, "score", problem)
        line.pre_score, problem = _number(cells.get("pre_score"), required=False)
        if problem:
            error(number, "pre_score", problem)
        line.taken_on, problem = _date(cells.get("taken_on"), today)
        if problem:
            error(number, "taken_on", problem)
        lines.append(line)
    return lines, errors


# ---------------------------------------------------------------- checking


def _people_not_learning(numbers: set[str]) -> set[str]:
    """Which of these numbers belong to someone (in chunks: a fixed number of queries per 500 rows)."""
    found: set[str] = set()
    ordered = sorted(numbers)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start:start + LOOKUP_CHUNK]
        found.update(Person.objects.filter(employee_no__in=chunk).values_list("employee_no", flat=True))
    return found


def _check(*, plan: Plan, table: Roster, now: dt.datetime, lock: bool) -> tuple[TestImport, dict[int, TestResult]]:
    today = timezone.localdate(now)
    result = TestImport(plan=plan, file_name=table.file_name, rows=len(table.rows), columns=dict(table.columns),
                        ignored_columns=list(table.ignored_columns))
    lines, errors = _lines(table, today)
    learners = {person.employee_no: person for person, _session in services.plan_learners(plan)}
    stored_results = TestResult.objects.filter(plan=plan)
    if lock:
        stored_results = stored_results.select_for_update()
    stored = {r.person_id: r for r in stored_results}
    strangers = {line.employee_no for line in lines if line.employee_no and line.employee_no not in learners}
    known = _people_not_learning(strangers) if strangers else set()
    template = plan.template
    first_row: dict[str, int] = {}
    refused = {(e.row, e.field) for e in errors}  # (row, column) already refused as the cells were read

    def error(line: _Line, column: str, message: str) -> None:
        refused.add((line.row, column))
        errors.append(RowError(row=line.row, column=table.columns.get(column, CHINESE_HEADERS[column]),
                               message=message, field=column))

    for line in lines:
        person = None
        number = line.employee_no
        if not number:
            if (line.row, "employee_no") not in refused:
                error(line, "employee_no", _("Each row needs an employee or student number."))
        elif number in first_row:
            error(line, "employee_no",
                  _("The number %(no)s is also on row %(row)d: each person may appear only once.")
                  % {"no": number, "row": first_row[number]})
        else:
            first_row[number] = line.row
            person = learners.get(number)
            if person is None and number in known:
                error(line, "employee_no", _("%(no)s is not a learner of this plan: they are not enrolled in its "
                                             "training.") % {"no": number})
            elif person is None:
                error(line, "employee_no", _("No one has the employee number %(no)s.") % {"no": number})
        if person is None or line.score is None or any((line.row, c) in refused for c in COLUMNS):
            continue
        grade = services.grade_for(line.score, template)
        before = stored.get(person.pk)
        if before is None:
            result.results.append(RowResult(
                row=line.row, person=person, score=line.score, pre_score=line.pre_score,
                taken_on=line.taken_on or today, grade=grade, outcome=Outcome.NEW))
            continue
        pre_score = line.pre_score if line.pre_score is not None else before.pre_score
        taken_on = line.taken_on or before.taken_on
        same = (before.score == line.score and before.pre_score == pre_score and before.taken_on == taken_on
                and before.grade == grade)
        result.results.append(RowResult(
            row=line.row, person=person, score=line.score, pre_score=pre_score, taken_on=taken_on, grade=grade,
            outcome=Outcome.UNCHANGED if same else Outcome.CHANGED, previous_score=before.score,
            previous_grade=before.grade))
    order = {column: index for index, column in enumerate(COLUMNS)}
    result.errors = sorted(errors, key=lambda e: (e.row, order.get(e.field, 9)))
    return result, stored


def check(*, plan: Plan, table: Roster, now: dt.datetime | None = None) -> TestImport:
    """The dry run: every row's outcome and grade, and every row's errors. Writes nothing."""
    result, _stored = _check(plan=plan, table=table, now=now or timezone.now(), lock=False)
    return result


# ---------------------------------------------------------------- writing


def commit(*, plan: Plan, table: Roster, actor=None, now: dt.datetime | None = None) -> TestImport:
    """Every row's result or (TestImportRejected, with every row's errors) none: checked again inside
    one transaction, with the plan and its results locked, so two imports into one plan take turns."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = (Plan.objects.select_for_update(of=("self",))
                      .select_related("template", "session", "programme", "course").get(pk=plan.pk))
            result, stored = _check(plan=locked, table=table, now=now, lock=True)
            if result.errors:
                raise TestImportRejected(result)
            _write(plan=locked, result=result, stored=stored, actor=actor, now=now)
    except IntegrityError as exc:  # someone recorded a result of one of these learners a moment ago
        raise ApplicationError(_("Results of this plan were recorded at the same time; import the file again."),
                               code="conflict") from exc
    result.plan = plan
    result.committed = True
    return result


def _write(*, plan: Plan, result: TestImport, stored: dict[int, TestResult], actor, now: dt.datetime) -> None:
    new, changed = [], []
    for row in result.results:
        if row.outcome == Outcome.NEW:
            new.append(TestResult(person=row.person, plan=plan, course=plan.course, score=row.score,
                                  pre_score=row.pre_score, grade=row.grade, taken_on=row.taken_on,
                                  recorded_by=actor, recorded_at=now))
        elif row.outcome == Outcome.CHANGED:
            found = stored[row.person.pk]
            found.course, found.score, found.pre_score = plan.course, row.score, row.pre_score
            found.grade, found.taken_on, found.recorded_by, found.recorded_at = row.grade, row.taken_on, actor, now
            changed.append(found)
    TestResult.objects.bulk_create(new, batch_size=WRITE_BATCH)
    TestResult.objects.bulk_update(changed, ["course", "score", "pre_score", "grade", "taken_on", "recorded_by",
                                             "recorded_at"], batch_size=WRITE_BATCH)
    # As services.test_result_record: each imported learner's open test task is done.
    imported = {row.person.pk for row in result.results}
    open_tasks = Task.objects.select_for_update().filter(plan=plan, kind=ActivityKind.TEST,
                                                         status__in=[TaskStatus.OPEN, TaskStatus.OVERDUE])
    if ActivityKind.TEST in services.EVENT_OF:  # were a test to earn points, each task goes the service's way
        for task in open_tasks.select_related("plan", "plan__course", "assignee"):
            if task.assignee_id in imported:
                services._done(task, now, actor=actor)
        return
    # A test task records no rules event, so being done is only its status: in batches.
    done = [pk for pk, assignee_id in open_tasks.values_list("pk", "assignee_id") if assignee_id in imported]
    for start in range(0, len(done), WRITE_BATCH):
        Task.objects.filter(pk__in=done[start:start + WRITE_BATCH]).update(status=TaskStatus.DONE, completed_at=now)


# ---------------------------------------------------------------- the template


def template_file(plan: Plan, *, today: dt.date | None = None) -> bytes:
    """An .xlsx with the column names and one example row (a learner of the plan, when it has any),
    and a second sheet listing the plan's learners to copy numbers from."""
    today = today or timezone.localdate()
    chinese = (translation.get_language() or "").lower().startswith("zh")
    headers = CHINESE_HEADERS if chinese else ENGLISH_HEADERS
    learners = sorted((person for person, _session in services.plan_learners(plan)), key=lambda p: p.employee_no)
    example_no = learners[0].employee_no if learners else "JF0007"
    name_header = _("name (not imported)")
    book = Book()
    book.sheet(_("Test results"), [*(headers[c] for c in COLUMNS), name_header],
               [[example_no, 86.5, 70, today, learners[0].name if learners else ""]], widths=(16, 10, 14, 14, 18))
    sheet = book.workbook.active
    sheet["D2"].number_format = "yyyy-mm-dd"
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = "@"  # employee numbers stay text (leading zeros)
    book.sheet(_("Learners"), [headers["employee_no"], _("name (not imported)")],
               [[p.employee_no, p.name] for p in learners], widths=(16, 18))
    return book.bytes()
