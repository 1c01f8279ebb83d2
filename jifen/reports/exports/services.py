"""Requesting and building the monthly points report. The report is built by a background job
through ``jifen.notify.jobs.run_job``, which claims its key once and records progress (people done of
people to do) on a ``JobRun`` that the page polls."""

from __future__ import annotations

import datetime as dt
import traceback

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.notify import jobs
from jifen.notify.models import JobRun, JobStatus
from jifen.org.models import OrgUnit
from jifen.org.permissions import Access
from jifen.reports.exports import documents, selectors
from jifen.reports.exports.models import ReportFile, ReportKind


def report_request(*, access: Access, user, month: dt.date, unit: OrgUnit | None, kind: str,
                   now: dt.datetime | None = None) -> ReportFile:
    """Record a request for a monthly report (built by ``tasks.build_report`` once committed)."""
    now = now or timezone.now()
    if kind not in ReportKind.values:
        raise ApplicationError(_("Choose Excel or PDF."), field="kind")
    if not selectors.may_see_report(access, unit):
        raise ApplicationError(_("You may not see the points of this unit."), field="unit")
    month = month.replace(day=1)
    if month > timezone.localdate(now):
        raise ApplicationError(_("That month has not begun yet."), field="month")
    with transaction.atomic():
        return ReportFile.objects.create(kind=kind, period=month, scope_unit=unit, requested_by=user,
                                         created_at=now)


def report_build(*, report_id: int) -> JobRun | None:
    """Build the file of one requested report (a rerun of the same request does nothing more)."""
    report = ReportFile.objects.select_related("scope_unit", "requested_by").get(pk=report_id)
    if report.file:
        return report.job_run
    language = getattr(report.requested_by, "language", "") or settings.LANGUAGE_CODE

    def link(run: JobRun) -> None:
        if report.job_run_id != run.pk:
            report.job_run = run
            report.save(update_fields=["job_run"])

    with translation.override(language):
        return build_monthly(job="report", key=report.job_key, month=report.period, unit=report.scope_unit,
                             files=[report], on_run=link)


# A requested report never started this long after its request, or started and silent for jobs.STALE, was
# lost with its worker (huey takes a job off the queue before running it): queued again.
NOT_STARTED = dt.timedelta(minutes=5)
RESUME_WITHIN = dt.timedelta(days=7)


def resume_reports(enqueue, *, now: dt.datetime | None = None) -> list[int]:
    """Queue again the requested reports a dead worker left unbuilt (building twice is harmless: the run is
    claimed once, and a report with its file is done). Failed builds are not retried: they say why."""
    now = now or timezone.now()
    waiting = ReportFile.objects.filter(file="", requested_by__isnull=False, created_at__gte=now - RESUME_WITHIN)
    lost = waiting.filter(
        Q(job_run__isnull=True, created_at__lt=now - NOT_STARTED)
        | Q(job_run__status=JobStatus.RUNNING, job_run__heartbeat_at__lt=now - jobs.STALE)
    )
    ids = list(lost.order_by("pk").values_list("pk", flat=True))
    for report_id in ids:
        enqueue(report_id)
    return ids


def monthly_report_job(*, now: dt.datetime | None = None) -> JobRun | None:
    """On the 1st of the month: last month's report for the whole organisation, in Excel and PDF."""
    now = now or timezone.now()
    month = (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    key = f"monthly_report:{month:%Y-%m}"
    files: list[ReportFile] = []

    def make(run: JobRun) -> None:
        if not files:
            for kind in (ReportKind.MONTHLY_XLSX, ReportKind.MONTHLY_PDF):
                found = ReportFile.objects.filter(job_run=run, kind=kind).first()
                files.append(found or ReportFile.objects.create(kind=kind, period=month, job_run=run,
                                                                created_at=now))

    with translation.override(settings.LANGUAGE_CODE):
        return build_monthly(job="monthly_report", key=key, month=month, unit=None, files=files, on_run=make,
                             now=now)


def build_monthly(*, job: str, key: str, month: dt.date, unit: OrgUnit | None, files: list[ReportFile],
                  on_run, now: dt.datetime | None = None) -> JobRun | None:
    ids = selectors.report_people(unit)
    totals = selectors.MonthlyTotals(unit)
    book = people = sums = None
    started: list[JobRun] = []

    def begin() -> None:
        if not started:
            started.append(JobRun.objects.get(key=key))
            on_run(started[0])

    def kinds() -> set[str]:
        return {report.kind for report in files}

    def handle(chunk: list[int]) -> int:
        nonlocal book, people, sums
        begin()
        if sums is None:
            sums = selectors.month_sums(None if unit is None else selectors.scope_people(unit), month)
            totals.add_rules(sums.rules)
        if book is None and ReportKind.MONTHLY_XLSX in kinds():
            book = documents.StreamBook()
            # the summaries come first in the workbook; they are filled in once everyone is counted
            book.summary = book.sheet(_("Departments"), documents.translated(documents.UNIT_HEADERS),
                                      widths=[36] + [14] * 12)
            book.rules = book.sheet(_("Points by rule"), [_("Department"), _("Rule"), _("Points earned")],
                                    widths=[36, 36, 14])
            people = book.sheet(_("People"), documents.translated(documents.PERSON_HEADERS),
                                widths=[14, 12, 36, 16, 10] + [14] * 10)
        rows = selectors.month_rows(chunk, month, sums)
        totals.add(rows)
        if people is not None:
            for row in rows:
                book.append_safe(people, documents.person_row(row))
        return 0  # no messages: the progress is the people done

    run = jobs.run_job(job, key, ids, handle, now=now, chunk_size=selectors.CHUNK)
    if run is None:
        return None
    begin()
    try:
        scope_name = unit.name_path if unit else _("Whole organisation")
        for report in files:
            if report.file:
                continue
            stem = f"{month:%Y-%m}-{report.pk}"
            if report.kind == ReportKind.MONTHLY_XLSX:
                if book is None:  # nobody in the scope: the sheets still say so
                    handle([])
                _fill_summaries(book, totals, scope_name)
                with book.save_to_temp() as handle_file:
                    report.file.save(f"monthly-{stem}.xlsx", File(handle_file), save=False)
            else:
                with translation.override(translation.get_language()):
                    pdf = documents.html_to_pdf(documents.monthly_pdf_html(
                        totals=totals, month=month, scope_name=scope_name, generated_at=timezone.now()))
                report.file.save(f"monthly-{stem}.pdf", ContentFile(pdf), save=False)
            report.size = report.file.size
            report.job_run = run
            report.save(update_fields=["file", "size", "job_run"])
    except Exception:
        JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, error=traceback.format_exc()[-4000:],
                                                finished_at=timezone.now())
        raise
    return run


def _fill_summaries(book, totals, scope_name: str) -> None:
    book.append(book.summary, documents.unit_row(totals.total, name=scope_name))
    for department in totals.departments():
        book.append(book.summary, documents.unit_row(department))
    for name, points in totals.total.rules():
        book.append(book.rules, [scope_name, name or _("Without a rule"), points])
    for department in totals.departments():
        for name, points in department.rules():
            book.append(book.rules, [department.name, name or _("Without a rule"), points])
