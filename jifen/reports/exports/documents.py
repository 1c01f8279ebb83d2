"""Excel and PDF files of the reports and exports.

Workbooks are written in openpyxl's write-only mode: rows go to disk as they come, so a list of
100,000 rows costs about the memory of one chunk of them. Every cell passes through ``safe_cell``,
which neutralises text a spreadsheet would read as a formula (=, +, -, @)."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from collections.abc import Iterable, Sequence

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jifen.core.spreadsheets import safe_cell
from jifen.org.models import Person

BOLD = Font(bold=True)
ITERATOR_CHUNK = 2000


class StreamBook:
    """A write-only workbook: ``sheet(title, headers)`` then ``append(sheet, row)`` as rows come."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[int] | None = None):
        worksheet = self.workbook.create_sheet(title[:31])
        for index, header in enumerate(headers):
            width = widths[index] if widths and index < len(widths) else max(10, min(40, len(str(header)) * 2 + 4))
            worksheet.column_dimensions[get_column_letter(index + 1)].width = width
        cells = []
        for header in headers:
            cell = WriteOnlyCell(worksheet, value=safe_cell(str(header)))
            cell.font = BOLD
            cells.append(cell)
        worksheet.append(cells)
        return worksheet

    @staticmethod
    def append(worksheet, row: Iterable) -> None:
        worksheet.append([safe_cell(value) for value in row])

    @staticmethod
    def append_safe(worksheet, row: list) -> None:
        """A row whose text cells have been through ``safe_cell`` already (the rest are numbers)."""
        worksheet.append(row)

    def save_to_temp(self):
        """The workbook in an anonymous temporary file, rewound (closed and removed when closed)."""
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response or the caller closes it)
        self.workbook.save(handle)
        handle.seek(0)
        return handle


def local(value: dt.datetime | None):
    return timezone.localtime(value) if value else None


# ---------------------------------------------------------------- the monthly points report


PERSON_HEADERS = [
    "Employee no.", "Name", "Department", "Position", "Status", "Balance at month start", "Points earned",
    "Penalties", "Adjustments and reversals", "Points spent", "Points expired", "Balance at month end",
    "Credits this year", "Credit target", "Credits missing",
]
UNIT_HEADERS = [
    "Department", "People", "Balance at month start", "Points earned", "Penalties", "Adjustments and reversals",
    "Points spent", "Points expired", "Balance at month end", "Credits this year", "Credit target",
    "People who met the target", "Met %",
]


def translated(headers: list[str]) -> list[str]:
    return [_(header) for header in headers]


@functools.cache
def _status_labels(language: str) -> dict[str, str]:
    return {value: str(label) for value, label in Person.Status.choices}


def person_row(row) -> list:
    """A person's month as a row of cells, text neutralised (for ``StreamBook.append_safe``); amounts as
    floats, which is what a spreadsheet keeps anyway (writing them is a good part quicker than Decimals)."""
    person = row.person
    status = _status_labels(translation.get_language() or "")[person.status]
    return [safe_cell(person.employee_no), safe_cell(person.name), safe_cell(person.unit_name),
            safe_cell(person.position_name), safe_cell(status),
            *(float(value) for value in (row.opening, row.earned, row.penalties, row.other, row.spent,
                                         row.expired, row.closing, row.credits, row.target, row.missing))]


def unit_row(total, *, name: str | None = None) -> list:
    return [name if name is not None else total.name, total.people, total.opening, total.earned, total.penalties,
            total.other, total.spent, total.expired, total.closing, total.credits, total.target, total.met,
            total.met_percent]


PDF_LEVELS = 2  # department levels below the report's scope that the PDF lists (the workbook has them all)


def monthly_pdf_html(*, totals, month: dt.date, scope_name: str, generated_at: dt.datetime) -> str:
    """For management: the organisation and its departments two levels down. A whole company's teams
    (a thousand rows) would make a PDF nobody reads and a renderer's memory balloon; they are in Excel."""
    top = totals.scope.depth if totals.scope is not None else 0
    departments = totals.departments()
    shown = [d for d in departments if d.depth <= top + PDF_LEVELS]
    return render_to_string("exports/monthly_pdf.html", {
        "totals": totals.total, "departments": shown, "omitted": len(departments) - len(shown), "month": month,
        "scope_name": scope_name, "generated_at": generated_at, "rule_bars": bars(totals.total.rules()[:15]),
        "department_bars": bars([(d.name, d.earned) for d in shown][:30]),
    })


def bars(items: list[tuple[str, object]]) -> list[dict]:
    values = [float(v) for _label, v in items]
    top = max(values, default=0) or 1
    return [{"label": label, "value": value, "width": max(0.0, min(100.0, 100 * float(value) / top))}
            for label, value in items]


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    return HTML(string=html).write_pdf()


# ---------------------------------------------------------------- lists


def people_sheet(book: StreamBook, people) -> None:
    sheet = book.sheet(_("People"), [_("Employee no."), _("Name"), _("Department"), _("Position"), _("Job level"),
                                     _("Status"), _("E-mail"), _("Phone"), _("Hire date"), _("Manager")])
    for person in people.iterator(chunk_size=ITERATOR_CHUNK):
        book.append(sheet, [person.employee_no, person.name, person.org_unit.name_path,
                            person.position.name if person.position_id else "",
                            person.position.job_level if person.position_id else "", person.get_status_display(),
                            person.email, person.phone, person.hire_date,
                            person.manager.name if person.manager_id else ""])


def entries_sheet(book: StreamBook, entries) -> None:
    sheet = book.sheet(_("Ledger entries"), [_("Occurred at"), _("Employee no."), _("Name"), _("Department"),
                                             _("Currency"), _("Kind"), _("Amount"), _("Balance after"), _("Rule"),
                                             _("Reason"), _("Credit type"), _("Recorded by"), _("Entry no.")])
    for entry in entries.iterator(chunk_size=ITERATOR_CHUNK):
        person = entry.account.person
        book.append(sheet, [local(entry.occurred_at), person.employee_no, person.name, person.org_unit.name_path,
                            entry.account.get_currency_display(), entry.get_kind_display(), entry.amount,
                            entry.balance_after, entry.rule_label, entry.reason, entry.get_credit_type_display(),
                            entry.actor.get_username() if entry.actor_id else "", entry.pk])


def orders_sheet(book: StreamBook, orders) -> None:
    sheet = book.sheet(_("Reward orders"), [_("Order no."), _("Ordered at"), _("Employee no."), _("Name"),
                                            _("Department"), _("Reward"), _("Quantity"), _("Points"), _("Status"),
                                            _("Decided at"), _("Fulfilled at"), _("Note")])
    for order in orders.iterator(chunk_size=ITERATOR_CHUNK):
        person = order.person
        book.append(sheet, [order.pk, local(order.created_at), person.employee_no, person.name,
                            person.org_unit.name_path, order.reward.name, order.quantity, order.points,
                            order.get_status_display(), local(order.decided_at), local(order.fulfilled_at),
                            order.note])


def results_sheet(book: StreamBook, results) -> None:
    sheet = book.sheet(_("Test results"), [_("Taken on"), _("Employee no."), _("Name"), _("Department"),
                                           _("Tracking plan"), _("Score"), _("Score before training"),
                                           _("Improvement"), _("Grade")])
    for result in results.iterator(chunk_size=ITERATOR_CHUNK):
        person = result.person
        book.append(sheet, [result.taken_on, person.employee_no, person.name, person.org_unit.name_path,
                            result.plan.name, result.score, result.pre_score, result.improvement,
                            result.get_grade_display()])


def eligibility_sheet(book: StreamBook, rows, *, year: int) -> None:
    sheet = book.sheet(_("Eligibility %(year)s") % {"year": year}, [
        _("Employee no."), _("Name"), _("Department"), _("Position"), _("Credit target"), _("Credits earned"),
        _("Credits missing"), _("Required credits earned"), _("Required credits needed"),
        _("Required credits missing"), _("Meets the requirement"), _("Certificates held")],
        widths=[14, 12, 30, 16, 12, 12, 12, 14, 14, 14, 12, 60])
    for row in rows:
        gap, person = row.gap, row.person
        book.append(sheet, [person.employee_no, person.name, person.org_unit.name_path,
                            person.position.name if person.position_id else "", gap.target, gap.earned, gap.missing,
                            gap.required_earned, gap.required_minimum, gap.required_missing,
                            _("yes") if row.eligible else _("no"), "；".join(row.certificates)])
