"""Attendance from a spreadsheet: employee number, status and (for an excused absence) the reason.

Read with the roster import's table reader (jifen.org.importing.read_table: .xlsx or .csv, header
found among the first rows, Chinese or English column names, formulas refused), checked row by row
with the same rules as a trainer's marks, then recorded all or nothing (services.mark_many).
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import translation
from django.utils.translation import gettext as _

from jifen.catalog.models import Session
from jifen.learning.attendance import services
from jifen.learning.attendance.models import Method
from jifen.org.importing import HEADER_ALIASES, cell_text, read_table, read_upload

COLUMNS = ("employee_no", "status", "reason")
REQUIRED = ("employee_no", "status")
CHINESE_HEADERS = {"employee_no": "工号", "status": "状态", "reason": "原因"}
ALIASES = {
    "employee_no": HEADER_ALIASES["employee_no"],
    "status": ("status", "attendance", "状态", "考勤", "出勤", "出勤情况", "考勤状态", "签到状态"),
    "reason": ("reason", "leave reason", "note", "原因", "请假原因", "事由", "备注", "说明"),
}
MAX_LENGTHS = {"employee_no": 32, "status": 40, "reason": services.REASON_MAX}


def read(data: bytes, file_name: str):
    return read_table(data, file_name, aliases=ALIASES, required=REQUIRED, column_names=CHINESE_HEADERS,
                      no_rows=_("The file names its columns but has no rows of attendance below them."))


def _lines(table) -> tuple[list[services.MarkLine], list[services.MarkError]]:
    lines, errors = [], []
    for number, cells in table.rows:
        values = {}
        for column in COLUMNS:
            text, problem = cell_text(cells.get(column), max_length=MAX_LENGTHS[column])
            if problem:
                errors.append(services.MarkError(row=number, column=table.columns.get(column, column),
                                                 message=problem, field=column))
            values[column] = text or ""
        lines.append(services.MarkLine(employee_no=values["employee_no"], status=values["status"],
                                       reason=values["reason"], row=number))
    return lines, errors


def _merge(plan: services.MarkPlan, errors: list[services.MarkError]) -> services.MarkPlan:
    if errors:
        # A cell refused as it was read explains its row better than what follows from it.
        seen = {(e.row, e.field) for e in errors}
        plan.errors = sorted(errors + [e for e in plan.errors if (e.row, e.field) not in seen],
                             key=lambda e: (e.row, COLUMNS.index(e.field) if e.field in COLUMNS else 9))
    return plan


def check(*, session: Session, table, now: dt.datetime | None = None) -> services.MarkPlan:
    """The dry run: every row's errors and what would change. Writes nothing."""
    lines, errors = _lines(table)
    return _merge(services.plan_marks(session=session, lines=lines, columns=table.columns, now=now), errors)


def commit(*, session: Session, table, actor, now: dt.datetime | None = None) -> services.MarkPlan:
    """Everything or (services.MarksRejected, with the plan) nothing."""
    lines, errors = _lines(table)
    if errors:
        plan = _merge(services.plan_marks(session=session, lines=lines, columns=table.columns, now=now), errors)
        raise services.MarksRejected(plan)
    return services.mark_many(session=session, lines=lines, actor=actor, method=Method.IMPORT,
                              columns=table.columns, now=now)


def import_upload(*, session: Session, upload, check_only: bool, actor, now: dt.datetime | None = None
                  ) -> services.MarkPlan:
    """An uploaded .xlsx or .csv: checked only (the dry run), or recorded all or nothing. Raises
    ImportFileError for a file that cannot be read, services.MarksRejected (with the plan) for row errors."""
    table = read(read_upload(upload), upload.name or "")
    if check_only:
        return check(session=session, table=table, now=now)
    return commit(session=session, table=table, actor=actor, now=now)


def template_file(session: Session) -> bytes:
    """An .xlsx with everyone enrolled, their current status (if any) and an empty reason."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from jifen.learning.attendance.selectors import roster

    chinese = (translation.get_language() or "").lower().startswith("zh")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考勤" if chinese else "Attendance"
    sheet.append([*(CHINESE_HEADERS[c] for c in COLUMNS), "姓名"] if chinese else [*COLUMNS, "name"])
    for row in roster(session):
        status = str(row.attendance.get_status_display()) if row.attendance else ""
        reason = row.attendance.reason if row.attendance else ""
        sheet.append([row.person.employee_no, status, reason, row.person.name])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (14, 12, 30, 12), strict=True):
        sheet.column_dimensions[column].width = width
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
