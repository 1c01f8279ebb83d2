"""Roster import: a .xlsx or .csv file → a checked plan (the dry run) → one all-or-nothing commit.

``read_roster`` turns the uploaded bytes into rows, refusing what is not really a workbook or a
text table. ``plan`` checks every row against the same rules as the person form and the
database, writing nothing. ``commit`` does the same checks again inside one transaction, with
the people and units locked, and writes only when no row has an error. Both take a fixed number
of queries whatever the number of rows (see services.org_snapshot / people_save_bulk).

Columns (English names or the usual Chinese ones, see HEADER_ALIASES): employee_no, name and
org_unit are required; a column left out keeps what is stored for people already there. An empty
status cell keeps the stored status (new people are active).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.org import services
from jifen.org.models import UNIT_PATH_SEPARATOR, Person, Position
from jifen.org.permissions import Scope

logger = logging.getLogger(__name__)

COLUMNS = ("employee_no", "name", "org_unit", "position", "manager_no", "email", "phone", "hire_date", "status")
REQUIRED_COLUMNS = ("employee_no", "name", "org_unit")
CHINESE_HEADERS = {
    "employee_no": "工号", "name": "姓名", "org_unit": "组织", "position": "岗位", "manager_no": "上级工号",
    "email": "邮箱", "phone": "电话", "hire_date": "入职日期", "status": "状态",
}
# What a header cell may say for each column, compared without case, spaces, "_" or "-".
HEADER_ALIASES = {
    "employee_no": ("employee_no", "employee number", "employee id", "emp no", "number", "工号", "员工编号", "员工号",
                    "编号", "学号", "学工号", "职工号"),
    "name": ("name", "full name", "姓名", "名字"),
    "org_unit": ("org_unit", "org unit", "unit", "department", "dept", "organisation", "organization", "部门", "组织",
                 "部门/组织", "组织/部门", "所属部门", "所属组织", "组织单元", "部门路径", "组织路径", "单位"),
    "position": ("position", "job title", "岗位", "职位", "岗位名称"),
    "manager_no": ("manager_no", "manager number", "manager employee no", "上级工号", "直属上级工号", "上级编号",
                   "经理工号"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "phone": ("phone", "mobile", "telephone", "tel", "phone number", "电话", "手机", "手机号", "手机号码", "联系电话",
              "电话号码"),
    "hire_date": ("hire_date", "hire date", "start date", "入职日期", "入职时间"),
    "status": ("status", "状态", "在职状态", "员工状态"),
}
STATUS_ALIASES = {
    "active": Person.Status.ACTIVE, "在职": Person.Status.ACTIVE,
    "on_leave": Person.Status.ON_LEAVE, "休假": Person.Status.ON_LEAVE, "请假": Person.Status.ON_LEAVE,
    "left": Person.Status.LEFT, "离职": Person.Status.LEFT,
}
MAX_LENGTHS = {"employee_no": 32, "name": 100, "org_unit": 1000, "position": 100, "manager_no": 32, "email": 254,
               "phone": 30, "hire_date": 40, "status": 40}

MAX_COLUMNS = 64  # columns read per row: anything further right is not ours
HEADER_SEARCH_ROWS = 10  # the column names may sit below a title row or two
DEFAULT_MAX_ROWS = 100_000

_FORMULA = re.compile(r"^(?:[=@]|[+\-](?![\d\s().+\-]*$))")
_SHEET_ERROR = re.compile(r"^#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!)$",
                          re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


# ---------------------------------------------------------------- results


class ImportFileError(ApplicationError):
    """The file cannot be read as a roster at all: nothing row by row to report."""

    def __init__(self, message):
        super().__init__(message, field="file", code="import_file")


class ImportRejected(ApplicationError):
    """A commit found row errors (perhaps new since the dry run): nothing was written."""

    def __init__(self, plan: ImportPlan):
        super().__init__(
            ngettext("%(count)d row has errors; nothing was imported.",
                     "%(count)d rows have errors; nothing was imported.", plan.error_rows) % {"count": plan.error_rows},
            code="import_rejected",
        )
        self.plan = plan


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the row number the spreadsheet shows (the column names are on a row too)
    column: str  # the column's name as the file writes it
    message: str  # in the language active when the plan was made
    field: str = ""  # the column's key: employee_no, name, org_unit, ...


@dataclass
class Roster:
    """A file read and its columns recognised; cells as they came (text, numbers or dates)."""

    file_name: str
    columns: dict[str, str]  # column key -> its name in the file
    ignored_columns: list[str]
    header_row: int
    rows: list[tuple[int, dict[str, object]]]


@dataclass
class ImportPlan:
    """What an import would do (a dry run) or did (``committed``)."""

    file_name: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_to_create: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    drafts: list[services.PersonDraft] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def as_dict(self, *, max_errors: int | None = None) -> dict:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "file_name": self.file_name,
            "committed": self.committed,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "units_to_create": list(self.units_to_create),
            "error_rows": self.error_rows,
            "error_count": len(self.errors),
            "errors": [{"row": e.row, "column": e.column, "field": e.field, "message": e.message} for e in errors],
            "ignored_columns": list(self.ignored_columns),
        }


# ---------------------------------------------------------------- reading the cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if type(value).__name__ in ("ArrayFormula", "DataTableFormula"):  # openpyxl's other formulas
        return "=" + str(getattr(value, "text", "") or "")
    return str(value).strip()


def _parse_date(value) -> dt.date:
    """A real spreadsheet date, or text such as 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301."""
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        match = _COMPACT_DATE.match(str(int(value))) if float(value).is_integer() else None
        if match:
            result = dt.date(*map(int, match.groups()))
        elif 1 <= value < 2958466:  # an Excel day number in a cell not formatted as a date
            from openpyxl.utils.datetime import from_excel

            converted = from_excel(value)
            result = converted.date() if isinstance(converted, dt.datetime) else converted
        else:
            raise ValueError(value)
    else:
        text = _cell_text(value)
        text = re.split(r"[\sT]", text, maxsplit=1)[0]  # "2024-03-01 00:00:00" from a CSV export
        text = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        match = _ISO_DATE.match(text) or _COMPACT_DATE.match(text)
        if not match:
            raise ValueError(value)
        result = dt.date(*map(int, match.groups()))
    if not 1900 <= result.year <= 2100:
        raise ValueError(value)
    return result


def _status_aliases() -> dict[str, str]:
    aliases = dict(STATUS_ALIASES)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in Person.Status.choices:
                aliases[str(label).strip().lower()] = value
    return aliases


def _status_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- reading the file


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _too_big() -> ImportFileError:
    return ImportFileError(
        _("The file is larger than %(size)s, the most an import accepts.") % {"size": filesizeformat(max_bytes())}
    )


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing it unread when it is over IMPORT_MAX_BYTES."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_big()
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_big()
    return data


def read_roster(data: bytes, file_name: str) -> Roster:
    """Read a roster from a .xlsx or .csv file's bytes. Raises ImportFileError, with a message for
    the user, for anything that is not a readable roster: never a crash on garbage."""
    return read_table(
        data, file_name, aliases=HEADER_ALIASES, required=REQUIRED_COLUMNS, column_names=CHINESE_HEADERS,
        no_rows=_("The file names its columns but has no rows of people below them."),
    )


def read_table(data: bytes, file_name: str, *, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...],
               column_names: dict[str, str], no_rows: str) -> Roster:
    """Read any table of named columns from a .xlsx or .csv file's bytes, the way the roster is read:
    the header found among the first rows by ``aliases`` (column key -> names a header cell may
    say), every ``required`` column present, blank rows skipped, cells as they came. Raises
    ImportFileError for anything that is not such a table. ``column_names`` (key -> its Chinese
    name) and ``no_rows`` word the refusals."""
    file_name = PurePath((file_name or "").replace("\\", "/")).name[:200]
    suffix = PurePath(file_name).suffix.lower()
    if len(data) > max_bytes():
        raise _too_big()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if suffix == ".xlsx":
        tables = _xlsx_tables(data)
    elif suffix in (".csv", ".txt"):
        tables = _csv_tables(data)
    elif suffix in (".xls", ".et", ".numbers", ".ods"):
        raise ImportFileError(_("This spreadsheet format cannot be read: save the file as .xlsx (Excel workbook) or .csv."))
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))
    alias_to_field = _alias_map(aliases)
    roster = None
    first_seen: tuple | None = None
    try:
        try:
            for rows in tables:
                roster, first = _roster_from_rows(rows, file_name, alias_to_field, required)
                first_seen = first_seen or first
                if roster is not None:
                    break
        finally:
            tables.close()  # closes the workbook
    except ApplicationError:
        raise
    except (csv.Error, zipfile.BadZipFile) as exc:
        raise ImportFileError(_("The file is damaged and cannot be read.")) from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken workbook
        logger.info("unreadable table file %r: %s", file_name, exc)
        raise ImportFileError(_("The file is damaged and cannot be read.")) from exc
    if roster is None:
        found = _header_fields(first_seen or (), alias_to_field)
        missing = [c for c in required if c not in found]
        raise ImportFileError(
            _("The file has no column for %(columns)s. The first row must name the columns: download the template "
              "to see them.") % {"columns": ", ".join(f"{c} ({column_names[c]})" for c in missing)}
        )
    if not roster.rows:
        raise ImportFileError(no_rows)
    return roster


def _xlsx_tables(data: bytes):
    """Each worksheet's rows as (row number, cell values), from a real .xlsx only."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old .xls workbook or one protected with a password: save it as a plain .xlsx (or .csv).")
        )
    not_xlsx = ImportFileError(_("This file is not a real .xlsx workbook. Save it from Excel or WPS as .xlsx, or as .csv."))
    if not data.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_xlsx from exc
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise not_xlsx
    if unpacked > max(10 * max_bytes(), 100 * 1024 * 1024):  # a "zip bomb"
        raise ImportFileError(_("This workbook is far too large once unpacked; split it into smaller files."))
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # read_only streams the sheet; data_only=False so a formula comes as its text ("=...")
            # and is refused, instead of whatever result was cached with it.
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        logger.info("unreadable workbook: %s", exc)
        raise not_xlsx from exc
    return _sheets(workbook)


def _sheets(workbook):
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # the stored size may be wrong; read what is there
            rows = sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS, values_only=True)
            yield enumerate(rows, start=1)
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    """Text from bytes in UTF-8 (with or without a byte-order mark), UTF-16 or GBK / GB18030;
    ImportFileError when it is not text at all."""
    return _decode_text(data)


def _decode_text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        # Excel on Chinese Windows saves "CSV" as GBK; GB18030 reads all of GBK and more.
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = re.sub(r"[\r\n\t]", "", text[:65536])
        if len(_CONTROL.findall(sample)) > len(sample) // 100:  # binary data that happened to decode
            break
        return text
    raise ImportFileError(
        _("This file is not a readable CSV text. Save it as “CSV UTF-8” or as .xlsx (Excel workbook).")
    )


def _csv_tables(data: bytes):
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This is an Excel workbook, not a CSV file: give it the .xlsx ending, or save it as CSV."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("This spreadsheet format cannot be read: save the file as .xlsx (Excel workbook) or .csv."))
    text = _decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return _one_table(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))


def _one_table(rows):
    yield rows


def _header_key(value) -> str:
    text = _cell_text(value).replace("\ufeff", "").lower()
    text = re.split(r"[（(]", text, maxsplit=1)[0]  # "入职日期 (2024-03-01)"
    return re.sub(r"[\s_\-*＊:：]+", "", text)


def _alias_map(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_header_key(alias): column for column, names in aliases.items() for alias in names}


_ALIAS_TO_FIELD = _alias_map(HEADER_ALIASES)


def _header_fields(cells, alias_to_field: dict[str, str] = _ALIAS_TO_FIELD) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = alias_to_field.get(_header_key(cell))
        if column is not None and column not in found:
            found[column] = index
    return found


def _is_blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _roster_from_rows(rows, file_name: str, alias_to_field: dict[str, str] = _ALIAS_TO_FIELD,
                     required: tuple[str, ...] = REQUIRED_COLUMNS) -> tuple[Roster | None, tuple | None]:
    """Find the header among the first rows, then read every row below it."""
    first = None
    seen = 0
    header_row = None
    for number, cells in rows:
        if _is_blank(cells):
            continue
        first = first or tuple(cells)
        seen += 1
        found = _header_fields(cells, alias_to_field)
        if all(column in found for column in required):
            header_row = (number, tuple(cells), found)
            break
        if seen >= HEADER_SEARCH_ROWS:
            break
    if header_row is None:
        return None, first
    number, header, found = header_row
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        label = _cell_text(cell)
        if not label:
            continue
        column = alias_to_field.get(_header_key(cell))
        if column is None:
            ignored.append(label)
        elif found[column] != index:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(column)s; keep only one.")
                % {"first": columns[column], "second": label, "column": column}
            )
        else:
            columns[column] = label
    max_rows = getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    index_of = [(column, found[column]) for column in columns]
    data_rows: list[tuple[int, dict[str, object]]] = []
    for row_number, cells in rows:
        width = len(cells)
        values = {column: cells[i] if i < width else None for column, i in index_of}
        if _is_blank(values.values()):  # an empty row, or one with only a note in another column
            continue
        if len(data_rows) >= max_rows:
            raise ImportFileError(
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": max_rows}
            )
        data_rows.append((row_number, values))
    return Roster(file_name=file_name, columns=columns, ignored_columns=ignored, header_row=number,
                  rows=data_rows), first


# ---------------------------------------------------------------- checking the rows


class _RowReader:
    """One row's cells, read and checked; the first problem per column is kept."""

    def __init__(self, roster: Roster, number: int, cells: dict[str, object]):
        self.roster = roster
        self.number = number
        self.cells = cells
        self.errors: dict[str, str] = {}

    def has(self, column: str) -> bool:
        return column in self.roster.columns

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, message)

    def text(self, column: str) -> str | None:
        """The cell as plain text; None when it is not acceptable (the error is noted)."""
        value, problem = cell_text(self.cells.get(column), max_length=MAX_LENGTHS[column])
        if problem:
            self.error(column, problem)
        return value


def cell_text(value, *, max_length: int) -> tuple[str | None, str]:
    """A cell as plain text and "", or None and why it is refused: a formula or what starts like
    one (=, +, -, @; a plain signed number is fine), a spreadsheet error, a control character, or
    more than ``max_length`` characters. An empty cell is ("", "")."""
    text = _cell_text(value)
    if not text:
        return "", ""
    if _FORMULA.match(text):
        return None, _("This cell holds a formula or starts like one (=, +, -, @). Formulas are not imported: "
                       "type the value itself.")
    if _SHEET_ERROR.match(text):
        return None, _("This cell holds a spreadsheet error (%(value)s).") % {"value": text}
    if _CONTROL.search(text):
        return None, _("This cell contains a line break or another control character.")
    if len(text) > max_length:
        return None, _("This cell is too long: at most %(max)d characters.") % {"max": max_length}
    return text, ""


@dataclass
class _UnitCheck:
    path: str = ""
    missing: list[str] = field(default_factory=list)
    error: str = ""


def _check_unit(raw: str, snapshot: services.OrgSnapshot, scope: Scope | None) -> _UnitCheck:
    try:
        # "/总部/研发中心/" means 总部/研发中心: a slash at either end is only a habit.
        path, missing = services.unit_path_plan(raw.strip(UNIT_PATH_SEPARATOR), snapshot)
    except ApplicationError as error:
        return _UnitCheck(error=str(error.message))
    if scope is not None and not scope.everything:
        if missing:
            parent = missing[0].rpartition(UNIT_PATH_SEPARATOR)[0]
            anchor = snapshot.units.get(parent) if parent else None
        else:
            anchor = snapshot.units[path]
        if anchor is None or not scope.covers_path(anchor.path):
            return _UnitCheck(path=path, error=_("“%(path)s” is outside the units you may import into.") % {"path": path})
    return _UnitCheck(path=path, missing=missing)


def _build_plan(roster: Roster, snapshot: services.OrgSnapshot, scope: Scope | None) -> ImportPlan:
    positions = list(Position.objects.order_by("pk").values_list("id", "name", "code", "is_active"))
    position_by_name: dict[str, tuple[int, bool, str]] = {}
    position_by_code: dict[str, tuple[int, bool, str]] = {}
    for pk, name, code, active in positions:
        position_by_name.setdefault(name.strip().lower(), (pk, active, name))
        if code.strip():
            position_by_code.setdefault(code.strip().lower(), (pk, active, name))
    statuses = _status_aliases()
    restricted = scope is not None and not scope.everything

    errors: dict[tuple[int, str], str] = {}
    drafts: list[services.PersonDraft] = []
    first_row_of: dict[str, int] = {}
    unit_checks: dict[str, _UnitCheck] = {}
    units_to_create: dict[str, None] = {}

    for number, cells in roster.rows:
        row = _RowReader(roster, number, cells)
        no = row.text("employee_no")
        current = None
        if no == "":
            row.error("employee_no", _("A person needs an employee or student number."))
        elif no:
            if no in first_row_of:
                row.error("employee_no", _("The number %(no)s is also on row %(row)d: each person may appear only once.")
                          % {"no": no, "row": first_row_of[no]})
                no = None
            else:
                first_row_of[no] = number
                current = snapshot.people.get(no)
        if current is not None and restricted:
            unit = snapshot.units_by_id.get(current.org_unit_id)
            if unit is None or not scope.covers_path(unit.path):
                row.error("employee_no", _("%(no)s belongs to someone outside the units you may import into.")
                          % {"no": no})

        name = row.text("name")

        unit_path = ""
        raw_unit = row.text("org_unit")
        if raw_unit:
            check = unit_checks.get(raw_unit)
            if check is None:
                check = unit_checks[raw_unit] = _check_unit(raw_unit, snapshot, scope)
            if check.error:
                row.error("org_unit", check.error)
            else:
                unit_path = check.path
        elif raw_unit == "":
            row.error("org_unit", _("A person needs an org unit."))

        position_id = current.position_id if current is not None else None
        if row.has("position"):
            position_text = row.text("position")
            if position_text == "":
                position_id = None
            elif position_text:
                key = position_text.lower()
                found = position_by_name.get(key) or position_by_code.get(key)
                if found is None:
                    row.error("position", _("There is no position “%(position)s”. Positions are set up by an "
                                            "admin, under Positions.") % {"position": _shorten(position_text)})
                elif not found[1] and (current is None or current.position_id != found[0]):
                    row.error("position", _("The position “%(position)s” is no longer in use.")
                              % {"position": found[2]})
                    position_id = current.position_id if current is not None else None
                else:
                    position_id = found[0]

        manager_no = ""
        if current is not None and current.manager_id:
            manager_no = snapshot.people_by_id[current.manager_id].employee_no
        if row.has("manager_no"):
            manager_no = row.text("manager_no") or ""

        email = current.email if current is not None else ""
        if row.has("email"):
            email_text = row.text("email")
            email = ""
            if email_text:
                try:
                    validate_email(email_text)
                except ValidationError:
                    row.error("email", _("“%(value)s” is not an e-mail address.") % {"value": _shorten(email_text)})
                else:
                    email = email_text.lower()

        phone = current.phone if current is not None else ""
        if row.has("phone"):
            phone = row.text("phone") or ""

        hire_date = current.hire_date if current is not None else None
        if row.has("hire_date"):
            raw_date = cells.get("hire_date")
            # A real date or number from a workbook is used as is; text is checked like any cell first.
            date_value = raw_date if isinstance(raw_date, dt.date | int | float) else row.text("hire_date")
            if date_value is None:  # refused, the reason noted
                pass
            elif date_value == "":
                hire_date = None
            else:
                try:
                    hire_date = _parse_date(date_value)
                except (ValueError, OverflowError, TypeError):
                    row.error("hire_date", _("“%(value)s” is not a date: write it as 2024-03-01.")
                              % {"value": _shorten(_cell_text(raw_date))})

        status = current.status if current is not None else Person.Status.ACTIVE
        if row.has("status"):
            status_text = row.text("status")
            if status_text:
                found_status = statuses.get(_status_key(status_text)) or statuses.get(status_text.lower())
                if found_status is None:
                    row.error("status", _("“%(value)s” is not a status: use active, on_leave or left (在职, 休假, "
                                          "离职).") % {"value": _shorten(status_text)})
                else:
                    status = found_status

        for column, message in row.errors.items():
            errors[(number, column)] = message
        if no:
            drafts.append(services.PersonDraft(
                ref=number, employee_no=no, name=name or "", unit_path=unit_path, position_id=position_id,
                manager_no=manager_no, hire_date=hire_date, status=status, email=email, phone=phone,
            ))
            if unit_path and not row.errors:
                for prefix in unit_checks[raw_unit].missing:
                    units_to_create[prefix] = None

    # The same rules as one person at a time, on the state after the whole file is in.
    for ref, column, message in services.people_check_bulk(drafts, snapshot):
        errors.setdefault((ref, column), message)

    # A manager newly given must not have left (as on the person form); one already there may stay.
    by_no = {draft.employee_no: draft for draft in drafts}
    for draft in drafts:
        if not draft.manager_no or (draft.ref, "manager_no") in errors or draft.status == Person.Status.LEFT:
            continue
        current = snapshot.people.get(draft.employee_no)
        current_manager = (snapshot.people_by_id[current.manager_id].employee_no
                           if current is not None and current.manager_id else "")
        if current_manager == draft.manager_no:
            continue
        manager = by_no.get(draft.manager_no) or snapshot.people.get(draft.manager_no)
        if manager is not None and manager.status == Person.Status.LEFT:
            errors[(draft.ref, "manager_no")] = _("%(name)s (%(no)s) has left: choose a current manager.") % {
                "name": manager.name, "no": draft.manager_no}

    error_rows = {ref for ref, _column in errors}
    clean = [draft for draft in drafts if draft.ref not in error_rows]
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for change in services.people_diff_bulk(clean, snapshot):
        counts[change.kind] += 1
    order = {column: index for index, column in enumerate(COLUMNS)}
    row_errors = [
        RowError(row=ref, column=roster.columns.get(column, column), message=message, field=column)
        for (ref, column), message in sorted(errors.items(), key=lambda item: (item[0][0], order.get(item[0][1], 99)))
    ]
    return ImportPlan(
        file_name=roster.file_name, rows=len(roster.rows), created=counts["create"], updated=counts["update"],
        unchanged=counts["unchanged"], units_to_create=sorted(units_to_create), errors=row_errors,
        columns=dict(roster.columns), ignored_columns=list(roster.ignored_columns), drafts=drafts,
    )


# ---------------------------------------------------------------- dry run and commit


def plan(roster: Roster, *, scope: Scope | None = None) -> ImportPlan:
    """The dry run: what importing ``roster`` would do, and every row's errors. Writes nothing.
    ``scope`` limits the units imported into (None: the whole organisation, as on the command line)."""
    return _build_plan(roster, services.org_snapshot(), scope)


def commit(roster: Roster, *, scope: Scope | None = None) -> ImportPlan:
    """Import ``roster``: everything, or (ImportRejected, with the plan and its errors) nothing.
    Checks again from scratch inside the transaction, people and units locked."""
    try:
        with transaction.atomic():
            snapshot = services.org_snapshot(lock=True)
            result = _build_plan(roster, snapshot, scope)
            if result.errors:
                raise ImportRejected(result)
            saved = services.people_save_bulk(result.drafts, snapshot)
    except IntegrityError as exc:
        logger.warning("roster import of %r hit a concurrent change: %s", roster.file_name, exc)
        raise ApplicationError(
            _("The roster was changed by someone else during the import; nothing was imported. Try again.")
        ) from exc
    result.committed = True
    result.created, result.updated, result.unchanged = saved.created, saved.updated, saved.unchanged
    return result


# ---------------------------------------------------------------- the template


def _template_language() -> str:
    return "zh" if (translation.get_language() or "").lower().startswith("zh") else "en"


def template_rows() -> tuple[list[str], list[object]]:
    """The template's column names (in the user's language) and one example row."""
    position = Position.objects.filter(is_active=True).order_by("name").values_list("name", flat=True).first()
    if _template_language() == "zh":
        headers = [CHINESE_HEADERS[c] for c in COLUMNS]
        example = ["E0001", "张三", "总部/研发中心/平台组", position or "软件工程师", "", "zhangsan@example.com",
                   "13800000000", dt.date(2024, 3, 1), "在职"]
    else:
        headers = list(COLUMNS)
        example = ["E0001", "Zhang San", "总部/研发中心/平台组", position or "Software engineer", "",
                   "zhangsan@example.com", "13800000000", dt.date(2024, 3, 1), "active"]
    return headers, example


def template_file(fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of an empty roster with one example row."""
    headers, example = template_rows()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in example])
        # With a byte-order mark, so Excel opens it as UTF-8 and shows the Chinese.
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "roster-template.csv"
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "花名册" if _template_language() == "zh" else "Roster"
        sheet.append(headers)
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        text_columns = {COLUMNS.index(c) for c in ("employee_no", "manager_no", "phone")}
        for index, cell in enumerate(sheet[2]):
            if index in text_columns:
                cell.number_format = "@"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        for index, width in enumerate((12, 12, 28, 16, 12, 26, 16, 14, 10)):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return (buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "roster-template.xlsx")
    raise ValueError(fmt)
