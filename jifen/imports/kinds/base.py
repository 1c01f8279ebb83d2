"""What every kind of bulk import shares: its columns (English and Chinese names), the template,
reading the file (jifen.org.importing.read_table), the plan (the dry run: what would be added,
changed or is already there, and every row's errors) and the all-or-nothing commit.

A kind checks the whole file in a fixed number of queries (people, sessions, existing records are
fetched for all rows at once) and writes its new records in bulk through the owning app's keys and
the rules intake (``record_events``), so a commit's queries do not grow with its rows. Each row's
key comes from its content (session and person, quiz, person and date, ...): importing the same
file again finds every key already there and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.org import importing
from jifen.org.importing import ImportFileError, Roster, RowError
from jifen.org.models import Person
from jifen.org.permissions import Access, Perm

CHUNK = 1000  # rows per query of "these numbers" and per call of the rules intake
EMPLOYEE_NO_ALIASES = importing.HEADER_ALIASES["employee_no"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    aliases: tuple[str, ...]
    meaning: str  # lazy text
    required: bool = True
    max_length: int = 200
    width: int = 14
    text: bool = False  # kept as text in the template (numbers like E0001)


@dataclass
class Context:
    """Who imports: their access (None on the command line: the whole organisation) and login."""

    user: object | None = None
    access: Access | None = None
    now: dt.datetime = field(default_factory=timezone.now)
    run: object | None = None  # the ImportRun of a background commit

    def people(self, perm: Perm) -> QuerySet[Person]:
        return Person.objects.all() if self.access is None else self.access.people(perm)

    @property
    def person_id(self) -> int | None:
        return None if self.access is None else self.access.person_id


@dataclass
class Plan:
    """What importing a file would do (the dry run) or did (``committed``)."""

    kind: str
    file_name: str
    rows: int
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    background: bool = False
    items: list = field(default_factory=list, repr=False)  # what the kind will write
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def changes(self) -> int:
        return self.new + self.changed

    def as_dict(self, *, max_errors: int | None = None) -> dict:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "kind": self.kind, "file_name": self.file_name, "committed": self.committed, "rows": self.rows,
            "new": self.new, "changed": self.changed, "unchanged": self.unchanged, "error_rows": self.error_rows,
            "error_count": len(self.errors), "notes": list(self.notes),
            "errors": [{"row": e.row, "column": e.column, "field": e.field, "message": e.message} for e in errors],
            "ignored_columns": list(self.ignored_columns),
        }


class ImportRejected(ApplicationError):
    """A commit found row errors (perhaps new since the dry run): nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(
            ngettext("%(count)d row has errors; nothing was imported.",
                     "%(count)d rows have errors; nothing was imported.", plan.error_rows) % {"count": plan.error_rows},
            code="import_rejected",
        )
        self.plan = plan


# ---------------------------------------------------------------- reading rows


class Rows:
    """Row errors collected while checking, keyed (row, column): the first problem per cell counts."""

    def __init__(self, table: Roster, columns: tuple[Column, ...]):
        self.table = table
        self.columns = {c.key: c for c in columns}
        self.errors: dict[tuple[int, str], str] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.setdefault((row, column), message)

    def failed(self, row: int) -> bool:
        return any((row, c) in self.errors for c in self.columns)

    def text(self, row: int, cells: dict, column: str) -> str | None:
        """The cell as text ("" when empty); None when refused (the reason noted)."""
        value, problem = importing.cell_text(cells.get(column), max_length=self.columns[column].max_length)
        if problem:
            self.error(row, column, problem)
            return None
        if value == "" and self.columns[column].required:
            self.error(row, column, _("This cell is empty: the column %(column)s is required.")
                       % {"column": self.table.columns.get(column, column)})
            return None
        return value

    def number(self, row: int, cells: dict, column: str, *, places: int, low: Decimal | None = None,
               high: Decimal | None = None) -> Decimal | None:
        raw = cells.get(column)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            text = repr(raw) if isinstance(raw, float) else str(raw)
        else:
            text = self.text(row, cells, column)
            if not text:
                return None
        try:
            value = Decimal(text.replace(",", "").replace("，", ""))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.error(row, column, _("“%(value)s” is not a number.") % {"value": text[:40]})
            return None
        quantum = Decimal(1).scaleb(-places)
        if abs(value) >= 10**9:
            self.error(row, column, _("“%(value)s” is far too large.") % {"value": text[:40]})
            return None
        if value != value.quantize(quantum):
            self.error(row, column, ngettext("At most %(places)d decimal place.", "At most %(places)d decimal places.",
                                             places) % {"places": places})
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(row, column, _("Write a number from %(low)s to %(high)s.") % {"low": low, "high": high})
            return None
        return value.quantize(quantum)

    def integer(self, row: int, cells: dict, column: str) -> int | None:
        value = self.number(row, cells, column, places=0, low=Decimal(1), high=Decimal(2**31 - 1))
        return None if value is None else int(value)

    def date(self, row: int, cells: dict, column: str, *, today: dt.date) -> dt.date | None:
        raw = cells.get(column)
        value = raw if isinstance(raw, dt.date | int | float) and not isinstance(raw, bool) else \
            self.text(row, cells, column)
        if not value:
            return None
        try:
            day = importing._parse_date(value)
        except (ValueError, OverflowError, TypeError):
            self.error(row, column, _("“%(value)s” is not a date: write it as 2024-03-01.")
                       % {"value": importing._cell_text(raw)[:40]})
            return None
        if day > today:
            self.error(row, column, _("The date %(date)s is in the future.") % {"date": day.isoformat()})
            return None
        return day

    def row_errors(self) -> list[RowError]:
        order = {key: index for index, key in enumerate(self.columns)}
        return [
            RowError(row=row, column=self.table.columns.get(column, column), message=message, field=column)
            for (row, column), message in sorted(self.errors.items(), key=lambda i: (i[0][0], order.get(i[0][1], 99)))
        ]


def chunked(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def lookup_chunk() -> int:
    """Values per "these keys" query: PostgreSQL takes them as one array parameter (``__any``)."""
    return 20_000 if connection.vendor == "postgresql" else CHUNK


def people_by_number(queryset: QuerySet[Person], numbers: Iterable[str]) -> dict[str, tuple[int, str, int | None]]:
    """employee_no → (pk, name, user id) of those in ``queryset``, many numbers a query."""
    found: dict[str, tuple[int, str, int | None]] = {}
    for part in chunked(sorted(set(numbers)), lookup_chunk()):
        for pk, no, name, user_id in queryset.filter(employee_no__any=part).values_list("pk", "employee_no", "name",
                                                                                        "user_id"):
            found[no] = (pk, name, user_id)
    return found


def check_people(rows: Rows, parsed: list[tuple[int, dict]], *, allowed: QuerySet[Person],
                 own_person_id: int | None = None, own_message: str = "") -> dict[str, tuple[int, str, int | None]]:
    """Each row's employee_no: someone who exists, and whom the importer may import for."""
    numbers = {values["employee_no"] for _row, values in parsed if values.get("employee_no")}
    in_scope = people_by_number(allowed, numbers)
    missing = numbers - in_scope.keys()
    anywhere = set(people_by_number(Person.objects.all(), missing)) if missing else set()
    for row, values in parsed:
        no = values.get("employee_no")
        if not no:
            continue
        if no in anywhere:
            rows.error(row, "employee_no", _("%(no)s is outside the units you may import for.") % {"no": no})
        elif no not in in_scope:
            rows.error(row, "employee_no", _("No person has the number %(no)s.") % {"no": no})
        elif own_person_id is not None and in_scope[no][0] == own_person_id and own_message:
            rows.error(row, "employee_no", own_message)
    return in_scope


def noon(day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a fact of ``day`` happened, for a file that gives only the date: noon there, never after now."""
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return min(moment, now)


# ---------------------------------------------------------------- the kind


class Kind:
    key = ""
    label = ""  # lazy
    description = ""  # lazy
    perm: Perm = Perm.ADMIN_SITE
    perms: tuple[Perm, ...] = ()  # any of these (default: perm)
    columns: tuple[Column, ...] = ()
    sheet = ("Import", "导入")
    needs_user = False  # the command line must say who imports (--user)

    # -- permission

    def allowed(self, access: Access | None) -> bool:
        return access is None or any(access.has(p) for p in (self.perms or (self.perm,)))

    # -- the file

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def read(self, data: bytes, file_name: str) -> Roster:
        return importing.read_table(
            data, file_name, aliases={c.key: (c.key, *c.aliases) for c in self.columns}, required=self.required,
            column_names={c.key: c.chinese for c in self.columns},
            no_rows=_("The file names its columns but has no rows below them."),
        )

    def column_help(self) -> list[dict]:
        return [{"name": c.key, "chinese": c.chinese, "meaning": c.meaning, "required": c.required}
                for c in self.columns]

    def examples(self, chinese: bool) -> list[list]:
        return []

    def template_file(self, fmt: str) -> tuple[bytes, str, str]:
        """(content, content type, file name) of an empty file with the column names and example rows."""
        chinese = (translation.get_language() or "").lower().startswith("zh")
        headers = [c.chinese if chinese else c.key for c in self.columns]
        examples = self.examples(chinese)
        name = f"{self.key}-template.{fmt}"
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(headers)
            writer.writerows([[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in examples])
            return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", name
        if fmt == "xlsx":
            from openpyxl import Workbook
            from openpyxl.styles import Font
            from openpyxl.utils import get_column_letter

            workbook = Workbook()
            sheet = workbook.active
            sheet.title = self.sheet[1] if chinese else self.sheet[0]
            sheet.append(headers)
            for row in examples:
                sheet.append(row)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for index, column in enumerate(self.columns, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = column.width
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    if column.text:
                        cell.number_format = "@"
                    elif isinstance(cell.value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
            sheet.freeze_panes = "A2"
            buffer = io.BytesIO()
            workbook.save(buffer)
            return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name
        raise ValueError(fmt)

    # -- checking and writing

    def parse(self, table: Roster, rows: Rows, ctx: Context) -> list[tuple[int, dict]]:
        """Every row's cells as text (refusals noted): [(row number, {column: text})]."""
        parsed = []
        for number, cells in table.rows:
            values = {}
            for column in self.columns:
                if column.key in table.columns or column.required:
                    values[column.key] = rows.text(number, cells, column.key)
            parsed.append((number, values))
        return parsed

    def check(self, table: Roster, ctx: Context) -> Plan:
        raise NotImplementedError

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        """Write what ``plan`` says (called inside the commit's transaction, the plan free of errors)."""
        raise NotImplementedError

    def commit(self, table: Roster, ctx: Context, progress: Progress | None = None) -> Plan:
        """Everything or (ImportRejected, with the plan) nothing: checked again inside the transaction."""
        try:
            with transaction.atomic():
                plan = self.check(table, ctx)
                if plan.errors:
                    raise ImportRejected(plan)
                self.write(plan, ctx, progress or (lambda done: None))
        except IntegrityError as exc:
            raise ApplicationError(
                _("Someone recorded some of these rows at the same moment; nothing was imported. Try again.")
            ) from exc
        plan.committed = True
        return plan

    def plan_for(self, table: Roster, rows: Rows, **counts) -> Plan:
        return Plan(kind=self.key, file_name=table.file_name, rows=len(table.rows), errors=rows.row_errors(),
                    columns=dict(table.columns), ignored_columns=list(table.ignored_columns), **counts)


def duplicate(rows: Rows, seen: dict, key, row: int, column: str) -> bool:
    """Whether ``key`` was on an earlier row (noted as this row's error)."""
    if key in seen:
        rows.error(row, column, _("The same as row %(row)d: each one may appear only once in the file.")
                   % {"row": seen[key]})
        return True
    seen[key] = row
    return False


def raise_rejected_events(results) -> None:
    """Stop (rolling back) when the rules intake refused an event: it should not, after the checks."""
    for result in results:
        if result.status == "rejected":
            raise ApplicationError(result.error or _("The event was refused."), code="event_rejected")


__all__ = ["ImportFileError", "Roster", "RowError"]
