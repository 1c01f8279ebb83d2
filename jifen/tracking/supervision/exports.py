"""Files for the supervision group: the KPI workbook, the annual summary PDF and the year's archive
(归档, seed 004 四(六)2), a zip written while it is downloaded.

The zip is built entry by entry into a small in-memory sink that the response drains after each
entry, so memory holds one file of the archive at a time, never the whole archive. Each file's
SHA-256 and size go into ``manifest.json``, written last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.spreadsheets import Book
from jifen.tracking.followup.models import AnonymousResponse, Task
from jifen.tracking.growth.models import ActionCheck, Escalation
from jifen.tracking.instruments.models import FormVersion, Response
from jifen.tracking.supervision import selectors
from jifen.tracking.supervision.selectors import Area, KpiRow, Summary

logger = logging.getLogger(__name__)

REPORTS_MODULE = "jifen.tracking.reports.documents"


def summary_file_name(year: int) -> str:
    return f"{year}-年度跟踪管理总结.pdf"


def _percent(value: int | None):
    return None if value is None else value / 100


# ---------------------------------------------------------------- the KPI workbook


def kpi_headers() -> list[str]:
    return [_("Department"), _("Plans"), _("Made on time"), _("Plans made on time"), _("Plan tasks due"),
            _("Plan tasks done"), _("Plan task completion"), _("Feedback done"), _("Done on time"),
            _("Feedback on time"), _("Manager feedback done"), _("Manager feedback on time"),
            _("Managers on time"), _("Feedback past due"), _("Of them done"), _("Feedback complete"),
            _("Actions due or finished"), _("Actions done or verified"), _("Improvement actions completed"),
            _("Actions overdue")]


def kpi_cells(row: KpiRow) -> list:
    return [row.label, row.plans, row.plans_on_time, _percent(row.plans_on_time_percent), row.plan_tasks_due,
            row.plan_tasks_done, _percent(row.plan_tasks_percent), row.feedback_done, row.feedback_on_time,
            _percent(row.timeliness_percent), row.manager_done, row.manager_on_time,
            _percent(row.manager_timeliness_percent), row.feedback_past_due, row.feedback_past_due_done,
            _percent(row.completeness_percent), row.actions_due, row.actions_finished, _percent(row.actions_percent),
            row.actions_overdue]


def _format_percent_columns(worksheet, columns: list[int]) -> None:
    for column in columns:
        for cells in worksheet.iter_cols(min_col=column, max_col=column, min_row=2):
            for cell in cells:
                cell.number_format = "0%"


def _kpi_sheet(book: Book, rows: list[KpiRow], total: KpiRow) -> None:
    worksheet = book.sheet(_("Department KPIs"), kpi_headers(), [kpi_cells(r) for r in [*rows, total]])
    _format_percent_columns(worksheet, [4, 7, 10, 13, 16, 19])
    book.sheet(_("Definitions"), [_("KPI"), _("What it counts")], selectors.kpi_definitions(), widths=[24, 100])


def kpi_xlsx(rows: list[KpiRow], total: KpiRow) -> bytes:
    book = Book()
    _kpi_sheet(book, rows, total)
    return book.bytes()


# ---------------------------------------------------------------- the annual summary PDF


def summary_pdf(summary: Summary, *, language: str | None = None, now: dt.datetime | None = None) -> bytes:
    """The annual follow-up summary as an A4 PDF, in ``language`` (the viewer's)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    with translation.override(language or translation.get_language()):
        html = render_to_string("supervision/summary_pdf.html", {
            "summary": summary, "definitions": selectors.kpi_definitions(),
            "generated_at": timezone.localtime(now or timezone.now()),
            "bars": _pdf_bars(summary)})
    return HTML(string=html).write_pdf()


def _pdf_bars(summary: Summary) -> list[dict]:
    """Bar charts drawn in CSS for the PDF (no script runs there): per chart its rows and widths."""
    charts = []
    for key, option in selectors.summary_charts(summary).items():
        if key == "kpis":
            continue
        labels, values = option["xAxis"]["data"], option["series"][0]["data"]
        top = max([v for v in values if v] or [1])
        charts.append({"key": key, "rows": [{"label": label, "value": value, "width": round(100 * (value or 0) / top)}
                                            for label, value in zip(labels, values, strict=True)]})
    kpi_rows = []
    for row in summary.kpis:
        values = [(_("Plans made on time"), row.plans_on_time_percent), (_("Feedback on time"), row.timeliness_percent),
                  (_("Feedback complete"), row.completeness_percent),
                  (_("Improvement actions completed"), row.actions_percent)]
        if any(value is not None for _name, value in values):  # a department with nothing to count: table only
            kpi_rows.append({"label": row.label, "values": values})
    charts.append({"key": "kpis", "kpi_rows": kpi_rows})
    return charts


# ---------------------------------------------------------------- the archive's workbooks


def plans_xlsx(area: Area, year: int, today: dt.date) -> bytes:
    book = Book()
    rows = []
    for plan in selectors.plans_with_progress(area, year, today):
        made_on = timezone.localtime(plan.created_at).date()
        rows.append([plan.pk, plan.name, plan.course.title if plan.course_id else "", plan.org_unit.name_path,
                     plan.template.name, plan.ended_on, plan.due_on, made_on,
                     _("yes") if made_on <= plan.due_on else _("no"), plan.get_status_display(), plan.task_total,
                     plan.task_done, plan.task_overdue, plan.task_cancelled,
                     _percent(selectors.percent(plan.task_done, plan.task_total))])
    worksheet = book.sheet(_("Tracking plans"), [
        _("Plan no."), _("Plan"), _("Course"), _("Organised by"), _("Template"), _("Training ended on"),
        _("Plan due on"), _("Plan made on"), _("Made on time"), _("Status"), _("Tasks"), _("Done"), _("Overdue"),
        _("Cancelled"), _("Tasks done")], rows)
    _format_percent_columns(worksheet, [15])
    return book.bytes()


def actions_xlsx(area: Area, year: int) -> bytes:
    actions = list(selectors.actions_of(area, year))
    ids = [a.pk for a in actions]
    book = Book()
    book.sheet(_("Improvement actions"), [
        _("Action no."), _("What"), _("Details"), _("Source"), _("Source reference"), _("Responsible unit"),
        _("Responsible person"), _("Deadline"), _("Expected effect"), _("Status"), _("Created at"), _("Closed at")],
        [[a.pk, a.title, a.description, a.get_source_display(), a.source_ref, a.org_unit.name_path,
          a.responsible.name if a.responsible_id else "", a.deadline, a.expected_effect, a.get_status_display(),
          timezone.localtime(a.created_at), timezone.localtime(a.closed_at) if a.closed_at else None]
         for a in actions])
    checks = ActionCheck.objects.filter(action_id__in=ids).select_related("checked_by").order_by("action_id",
                                                                                                "checked_on", "pk")
    effective = {True: _("yes"), False: _("no"), None: ""}
    book.sheet(_("Follow-up checks"), [_("Action no."), _("Checked on"), _("Check result"), _("Effective"), _("Checked by")],
               [[c.action_id, c.checked_on, c.result, effective[c.effective], str(c.checked_by)] for c in checks])
    escalations = (Escalation.objects.filter(action_id__in=ids).prefetch_related("recipients")
                   .order_by("action_id", "escalated_at", "pk"))
    book.sheet(_("Escalations"), [_("Action no."), _("Deadline missed"), _("Escalated at"), _("Escalated to"),
                                  _("Sent at")],
               [[e.action_id, e.deadline, timezone.localtime(e.escalated_at),
                 "、".join(str(u) for u in e.recipients.all()),
                 timezone.localtime(e.sent_at) if e.sent_at else None] for e in escalations])
    return book.bytes()


def test_results_xlsx(area: Area, year: int) -> bytes:
    book = Book()
    book.sheet(_("Test results"), [
        _("Employee no."), _("Name"), _("Org unit"), _("Plan no."), _("Plan"), _("Course"), _("Score before training"),
        _("Score"), _("Grade"), _("Taken on")],
        [[r.person.employee_no, r.person.name, r.person.org_unit.name_path, r.plan_id, r.plan.name,
          r.course.title if r.course_id else "", r.pre_score, r.score, r.get_grade_display(), r.taken_on]
         for r in selectors.results_of(area, year)])
    return book.bytes()


test_results_xlsx.__test__ = False  # not a pytest test, whatever its name


# ---------------------------------------------------------------- the form versions used


def versions_used(area: Area, year: int) -> list[FormVersion]:
    """The form versions the year's plans used: those answered (anonymously or by name, through the
    plans' tasks) and, for an activity whose form nobody answered yet, its current version."""
    plans = selectors.plans_of(area, year)
    answered = set(AnonymousResponse.objects.filter(plan__in=plans.values("pk")).values_list("version_id", flat=True))
    contexts = (Task.objects.filter(plan__in=plans.values("pk"))
                .annotate(context=Concat(Value("task:"), Cast("pk", CharField()), output_field=CharField()))
                .values("context"))
    answered |= set(Response.objects.filter(context__in=contexts).values_list("version_id", flat=True))
    forms = {form_id for form_id in plans.filter(template__activities__form__isnull=False)
             .values_list("template__activities__form", flat=True)}
    forms_answered = set(FormVersion.objects.filter(pk__in=answered).values_list("form_id", flat=True))
    latest = {}
    for version in FormVersion.objects.filter(form_id__in=forms - forms_answered).order_by("form_id", "number"):
        latest[version.form_id] = version.pk
    return list(FormVersion.objects.filter(pk__in=answered | set(latest.values())).select_related("form")
                .prefetch_related("questions").order_by("form_id", "number"))


def version_json(version: FormVersion) -> bytes:
    form = version.form
    questions = sorted(version.questions.all(), key=lambda q: (q.position, q.pk))
    document = {
        "form": {"id": form.pk, "name": form.name, "kind": form.kind, "anonymous": form.anonymous,
                 "description": form.description, "code": form.code},
        "version": version.number, "created_at": timezone.localtime(version.created_at).isoformat(),
        "answered": version.in_use,
        "questions": [{
            "id": q.pk, "position": q.position, "kind": q.kind, "text": q.text, "help_text": q.help_text,
            "required": q.required, "options": q.options, "dimension": q.dimension, "topic": q.topic,
            "min_value": None if q.min_value is None else float(q.min_value),
            "max_value": None if q.max_value is None else float(q.max_value),
        } for q in questions],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str, limit: int = 60) -> str:
    """A file name part: letters (Chinese too), digits, ``.``, ``-``, ``_``; never a path."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "_"
    return cleaned[:limit]


# ---------------------------------------------------------------- the archive, streamed


class _Sink(io.RawIOBase):
    """Where the zip writes: bytes wait here until the response takes them (``drain``). Not
    seekable, so zipfile writes each entry's sizes after its data."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def reports_available() -> bool:
    return importlib.util.find_spec(REPORTS_MODULE) is not None


def archive_entries(area: Area, year: int, *, today: dt.date, language: str) -> Iterator[tuple[str, Callable]]:
    """(path in the zip, function making its bytes), in the order they are written; made lazily so that
    only one file is in memory at a time."""
    yield summary_file_name(year), lambda: summary_pdf(selectors.annual_summary(area, year, today),
                                                              language=language)
    yield "plans.xlsx", lambda: plans_xlsx(area, year, today)
    if reports_available():
        import importlib

        documents = importlib.import_module(REPORTS_MODULE)
        for plan in selectors.plans_of(area, year).select_related("org_unit", "course", "template").order_by("pk"):
            stem = f"reports/{plan.pk}-{safe_name(plan.name)}"
            yield f"{stem}.pdf", lambda plan=plan: documents.report_pdf(plan)
            yield f"{stem}.xlsx", lambda plan=plan: documents.report_xlsx(plan)
    else:  # pragma: no cover - only while the reports module is not installed
        logger.warning("%s is missing: the archive has no plan reports", REPORTS_MODULE)
    for version in versions_used(area, year):
        name = f"instruments/{version.form_id}-{safe_name(version.form.name)}-v{version.number}.json"
        yield name, lambda version=version: version_json(version)
    yield "actions.xlsx", lambda: actions_xlsx(area, year)
    yield "test_results.xlsx", lambda: test_results_xlsx(area, year)


def readme(area: Area, year: int, files: list[dict], generated_at: dt.datetime) -> bytes:
    """README.txt, in Chinese (the archive is the organisation's record, kept in its language)."""
    with translation.override("zh-hans"):
        lines = [
            _("Follow-up archive %(year)d: %(unit)s") % {"year": year, "unit": area.name},
            _("Made on %(when)s by Jifen. Read-only copy of the year's follow-up records in this scope.")
            % {"when": generated_at.strftime("%Y-%m-%d %H:%M")},
            "",
            _("Contents:"),
            _("* %(name)s: the annual follow-up summary (plans, tasks, surveys, grades, growth records, "
              "improvement actions, department KPIs).") % {"name": summary_file_name(year)},
            _("* plans.xlsx: every tracking plan of the year with the progress of its tasks."),
            _("* reports/: for each plan, its tracking report as PDF and Excel (<plan no.>-<plan name>)."),
            _("* instruments/: each form version the plans used (surveys, evaluations, tests), as JSON with its "
              "questions."),
            _("* actions.xlsx: improvement actions with their follow-up checks and escalations."),
            _("* test_results.xlsx: knowledge and skill test results and grades."),
            _("* manifest.json: every file above with its size in bytes and its SHA-256, to check that nothing "
              "was changed (e.g. sha256sum on Linux, certutil -hashfile <file> SHA256 on Windows)."),
            "",
            _("Files in this archive: %(count)d.") % {"count": len(files) + 2},
            _("Anonymous survey results are included only for groups of at least 3 answers."),
        ]
    return ("\r\n".join(lines) + "\r\n").encode()


def archive_stream(area: Area, year: int, *, today: dt.date, language: str, made_by: str = "",
                   now: dt.datetime | None = None) -> Iterator[bytes]:
    """The archive zip of ``year`` in ``area``, chunk by chunk (one chunk per file written)."""
    now = timezone.localtime(now or timezone.now())
    stamp = now.timetuple()[:6]
    sink = _Sink()
    files: list[dict] = []

    def add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
        files.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})

    with translation.override(language), zipfile.ZipFile(sink, mode="w") as archive:
        for name, make in archive_entries(area, year, today=today, language=language):
            add(archive, name, make())
            yield sink.drain()
        add(archive, "README.txt", readme(area, year, files, now))
        manifest = {
            "year": year, "scope": area.name, "generated_at": now.isoformat(), "generated_by": made_by,
            "reports_included": reports_available(), "files": files,
        }
        add(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        yield sink.drain()
    yield sink.drain()  # the central directory, written on close
