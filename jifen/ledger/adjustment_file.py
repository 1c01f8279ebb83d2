"""Bulk adjustments from a file: a .xlsx or .csv → a checked plan (the dry run) → one batch that
goes through the same approval as a single adjustment, all lines or none.

The file is read like the roster (jifen.org.importing.read_table: header found among the first
rows, Chinese or English column names, formulas refused). Columns: employee_no, currency
(points / credits, 积分 / 学分), amount (signed: + adds, - deducts), reason, and optionally
credit_type (required / elective, 必修 / 选修; credits only). Only people inside the proposer's
scope can be named; anyone else reads as "not found", never confirming that they exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.core.errors import ApplicationError
from jifen.ledger import adjustments
from jifen.ledger.adjustments import LineDraft
from jifen.ledger.models import AdjustmentBatch, CreditType, Currency
from jifen.org import importing
from jifen.org.importing import ImportFileError, Roster, RowError
from jifen.org.models import Person

COLUMNS = ("employee_no", "currency", "amount", "reason", "credit_type")
REQUIRED_COLUMNS = ("employee_no", "currency", "amount", "reason")
CHINESE_HEADERS = {"employee_no": "工号", "currency": "币种", "amount": "数量", "reason": "原因",
                   "credit_type": "学分类型"}
HEADER_ALIASES = {
    "employee_no": ("employee_no", "employee number", "employee id", "emp no", "number", "工号", "员工编号", "员工号",
                    "编号", "学号", "学工号", "职工号"),
    "currency": ("currency", "type", "币种", "类型", "积分/学分", "学分/积分", "种类"),
    "amount": ("amount", "value", "quantity", "数量", "分值", "分数", "数值", "调整数量", "调整分值", "调整值"),
    "reason": ("reason", "原因", "理由", "事由", "调整原因", "说明"),
    "credit_type": ("credit_type", "credit type", "学分类型", "学分性质", "必修/选修"),
}
MAX_LENGTHS = {"employee_no": 32, "currency": 20, "amount": 40, "reason": adjustments.REASON_MAX,
               "credit_type": 20}
CURRENCY_ALIASES = {"points": Currency.POINTS, "point": Currency.POINTS, "积分": Currency.POINTS,
                    "credits": Currency.CREDITS, "credit": Currency.CREDITS, "学分": Currency.CREDITS}
CREDIT_TYPE_ALIASES = {"required": CreditType.REQUIRED, "必修": CreditType.REQUIRED, "必修学分": CreditType.REQUIRED,
                       "elective": CreditType.ELECTIVE, "选修": CreditType.ELECTIVE, "选修学分": CreditType.ELECTIVE}


class AdjustmentFileRejected(ApplicationError):
    """Proposing found row errors (perhaps new since the dry run): nothing was proposed."""

    def __init__(self, plan: AdjustmentPlan):
        super().__init__(
            ngettext("%(count)d row has errors; nothing was proposed.",
                     "%(count)d rows have errors; nothing was proposed.", plan.error_rows) % {"count": plan.error_rows},
            code="adjustment_file_rejected",
        )
        self.plan = plan


@dataclass
class AdjustmentPlan:
    """What a bulk file would propose, and every row's errors."""

    file_name: str
    rows: int
    lines: list[LineDraft] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    adjustment: AdjustmentBatch | None = None  # set once proposed

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.lines)

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def people(self) -> int:
        return len({line.person.pk for line in self.lines})

    def totals(self) -> list[dict]:
        """Per currency: how many lines, what they add and what they deduct."""
        result = []
        for currency, label in Currency.choices:
            amounts = [line.amount for line in self.lines if line.currency == currency]
            if amounts:
                result.append({
                    "currency": currency, "label": label, "lines": len(amounts),
                    "added": sum((a for a in amounts if a > 0), Decimal(0)),
                    "deducted": sum((a for a in amounts if a < 0), Decimal(0)),
                })
        return result

    def as_dict(self, *, max_errors: int | None = None) -> dict:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "file_name": self.file_name,
            "adjustment_id": self.adjustment.pk if self.adjustment is not None else None,
            "rows": self.rows,
            "lines": len(self.lines),
            "people": self.people,
            "totals": [{"currency": t["currency"], "lines": t["lines"], "added": float(t["added"]),
                        "deducted": float(t["deducted"])} for t in self.totals()],
            "error_rows": self.error_rows,
            "error_count": len(self.errors),
            "errors": [{"row": e.row, "column": e.column, "field": e.field, "message": e.message} for e in errors],
            "ignored_columns": list(self.ignored_columns),
        }


# ---------------------------------------------------------------- reading


def read_file(data: bytes, file_name: str) -> Roster:
    """Read the table of a bulk adjustment file. ImportFileError, with a message for the user, for
    anything that is not one."""
    table = importing.read_table(
        data, file_name, aliases=HEADER_ALIASES, required=REQUIRED_COLUMNS, column_names=CHINESE_HEADERS,
        no_rows=_("The file names its columns but has no rows of adjustments below them."),
    )
    if len(table.rows) > adjustments.MAX_LINES:
        raise ImportFileError(_("The file has more than %(max)d rows; split it into smaller files.")
                              % {"max": adjustments.MAX_LINES})
    return table


def _labels(choices, aliases: dict[str, str]) -> dict[str, str]:
    """Aliases, plus each choice's label in both languages, lower case."""
    found = dict(aliases)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                found.setdefault(str(label).strip().lower(), value)
    return found


def _amount_cell(value, text: str) -> Decimal:
    if isinstance(value, float) and not isinstance(value, bool):
        rounded = round(value, 2)
        if abs(value - rounded) < 1e-9:  # 0.1 + 0.2 in a spreadsheet is 0.30000000000000004
            value = rounded
        return adjustments.parse_amount(Decimal(repr(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return adjustments.parse_amount(Decimal(value))
    return adjustments.parse_amount(text.replace(" ", "").replace("＋", "+").replace("－", "-"))


# ---------------------------------------------------------------- the plan


def _build_plan(table: Roster, people: QuerySet[Person], proposer) -> AdjustmentPlan:
    currencies = _labels(Currency.choices, CURRENCY_ALIASES)
    credit_types = _labels(CreditType.choices, CREDIT_TYPE_ALIASES)
    own_no = Person.objects.filter(user=proposer).values_list("employee_no", flat=True).first() if proposer else None

    numbers = set()
    for _number, cells in table.rows:
        text, _problem = importing.cell_text(cells.get("employee_no"), max_length=MAX_LENGTHS["employee_no"])
        if text:
            numbers.add(text)
    found: dict[str, Person] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 1000):
        for person in people.filter(employee_no__in=ordered[start:start + 1000]):
            found[person.employee_no] = person

    errors: dict[tuple[int, str], str] = {}
    lines: list[LineDraft] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        row_errors: dict[str, str] = {}

        def text(column: str, cells=cells, row_errors=row_errors) -> str | None:
            value, problem = importing.cell_text(cells.get(column), max_length=MAX_LENGTHS[column])
            if problem:
                row_errors.setdefault(column, problem)
            return value

        person = None
        no = text("employee_no")
        if no == "":
            row_errors["employee_no"] = _("Each row needs an employee or student number.")
        elif no:
            person = found.get(no)
            if person is None:
                row_errors["employee_no"] = _("No one with this number is among the people you may adjust.")
            elif own_no and no == own_no:
                row_errors["employee_no"] = _("This is your own number: someone else must propose adjustments "
                                              "of your points.")
                person = None

        currency = None
        raw_currency = text("currency")
        if raw_currency == "":
            row_errors["currency"] = _("Write points or credits (积分 or 学分).")
        elif raw_currency:
            currency = currencies.get(raw_currency.strip().lower())
            if currency is None:
                row_errors["currency"] = _("“%(value)s” is neither points nor credits (积分 or 学分).") % {
                    "value": raw_currency[:30]}

        amount = None
        raw_amount = cells.get("amount")
        amount_text = text("amount")
        if amount_text == "":
            row_errors["amount"] = _("Each row needs an amount: + adds, - deducts.")
        elif amount_text is not None:
            try:
                amount = _amount_cell(raw_amount, amount_text)
            except ApplicationError as error:
                row_errors["amount"] = str(error.message)

        reason = text("reason")
        if reason == "":
            row_errors["reason"] = _("Each row needs a reason: the learner sees it in their history.")

        credit_type = ""
        if "credit_type" in table.columns:
            raw_type = text("credit_type")
            if raw_type:
                credit_type = credit_types.get(raw_type.strip().lower(), "")
                if not credit_type:
                    row_errors["credit_type"] = _("Write required or elective (必修 or 选修).")
                elif currency == Currency.POINTS:
                    row_errors["credit_type"] = _("Only credits have a credit type: leave it empty for points.")

        if person is not None and currency and not row_errors:
            key = (person.employee_no, currency)
            if key in first_row_of:
                row_errors.setdefault("employee_no", _(
                    "This person's %(currency)s are also adjusted on row %(row)d: put them on one row."
                ) % {"currency": Currency(currency).label, "row": first_row_of[key]})
            else:
                first_row_of[key] = number

        for column, message in row_errors.items():
            errors[(number, column)] = message
        if not row_errors:
            lines.append(LineDraft(person=person, currency=currency, amount=amount, reason=reason,
                                   credit_type=credit_type, row=number))

    order = {column: index for index, column in enumerate(COLUMNS)}
    row_errors_list = [
        RowError(row=row, column=table.columns.get(column, column), message=message, field=column)
        for (row, column), message in sorted(errors.items(), key=lambda item: (item[0][0], order.get(item[0][1], 99)))
    ]
    return AdjustmentPlan(file_name=table.file_name, rows=len(table.rows), lines=lines, errors=row_errors_list,
                          columns=dict(table.columns), ignored_columns=list(table.ignored_columns))


def plan(table: Roster, *, people: QuerySet[Person], proposer=None) -> AdjustmentPlan:
    """The dry run: what proposing ``table`` would propose, and every row's errors. Writes nothing."""
    return _build_plan(table, people, proposer)


def propose(table: Roster, *, proposed_by, reason: str, people: QuerySet[Person], evidence=None,
            now: dt.datetime | None = None) -> AdjustmentPlan:
    """Propose the whole file as one batch (``plan.adjustment``), or (AdjustmentFileRejected, with
    the plan) nothing. Checks every row again from scratch inside the transaction."""
    with transaction.atomic():
        result = _build_plan(table, people, proposed_by)
        if result.errors:
            raise AdjustmentFileRejected(result)
        result.adjustment = adjustments.adjustment_propose(
            proposed_by=proposed_by, lines=result.lines, reason=reason, people=people, evidence=evidence,
            source_filename=table.file_name, now=now,
        )
    return result


# ---------------------------------------------------------------- the template


def template_file(fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of an empty bulk adjustment file with two example rows."""
    chinese = (translation.get_language() or "").lower().startswith("zh")
    if chinese:
        headers = [CHINESE_HEADERS[c] for c in COLUMNS]
        examples = [["E0001", "积分", 10, "补录3月5日培训签到", ""], ["E0002", "学分", -1.5, "重复计入的选修课", "选修"]]
    else:
        headers = list(COLUMNS)
        examples = [["E0001", "points", 10, "Check-in of 5 March missed", ""],
                    ["E0002", "credits", -1.5, "Elective counted twice", "elective"]]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(examples)
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "adjustments-template.csv"
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "积分学分调整" if chinese else "Adjustments"
        sheet.append(headers)
        for example in examples:
            sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "@"
        for index, width in enumerate((12, 10, 10, 32, 12)):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return (buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "adjustments-template.xlsx")
    raise ValueError(fmt)
