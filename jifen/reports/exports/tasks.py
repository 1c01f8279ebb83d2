"""Background jobs of the reports (huey; immediate in tests): building a requested report, and the
monthly report of the whole organisation that ``jifen.notify.tasks.JOBS`` runs on the 1st."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from jifen.reports.exports import services


@db_task()
def build_report(report_id: int):
    return bool(services.report_build(report_id=report_id))


@db_periodic_task(crontab(minute="*/5"))
def resume_reports():
    """Requested reports a killed worker left unbuilt are queued again (``services.resume_reports``)."""
    return services.resume_reports(build_report)


def monthly_report(now: dt.datetime):
    return services.monthly_report_job(now=now)
