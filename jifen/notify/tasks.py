"""Background jobs on huey (SQLite storage under JIFEN_DATA_DIR by default, Redis when REDIS_URL is set;
`jifen worker` runs a consumer). Two periodic tasks drive everything:

* ``deliver`` every minute sends the deliveries that are due;
* ``tick`` every five minutes runs each scheduled job whose time has come in local time. A job's
  period is claimed once (``jobs.claim``), so several workers, a missed morning or a rerun never send
  anything twice; a job that was down at its hour runs at the next tick of the same period.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from jifen.notify import jobs, services

log = logging.getLogger(__name__)


def _expiry(now: dt.datetime):
    from jifen.ledger.services import expire_due_lots

    return jobs.once("expiry", f"expiry:{timezone.localdate(now):%Y-%m-%d}", lambda: expire_due_lots(now=now), now=now)


def _overdue_tasks(now: dt.datetime):
    from jifen.tracking.followup.services import tasks_mark_overdue

    day = timezone.localdate(now)
    return jobs.once("followup_overdue", f"followup_overdue:{day:%Y-%m-%d}", lambda: tasks_mark_overdue(today=day),
                     now=now)


def _digests(now: dt.datetime):
    return jobs.once("digests", f"digests:{timezone.localdate(now):%Y-%m-%d}",
                     lambda: services.make_digests(now=now), now=now)


def _actions(now: dt.datetime):
    return jobs.once("action_escalations", f"action_escalations:{timezone.localdate(now):%Y-%m-%d}",
                     lambda: jobs.action_escalations(now=now), now=now)


def _reviews(now: dt.datetime):
    return jobs.once("review_reminders", f"review_reminders:{timezone.localdate(now):%Y-%m-%d}",
                     lambda: jobs.review_reminders(now=now), now=now)


# name: (run it, label, when in local time: (weekday or None, day of month or None, "HH:MM")). Other apps add
# their scheduled jobs here when they load (e.g. the reports' monthly points report): notify imports none of them.
JOBS = {
    "expiry": (_expiry, _("Points expiry"), (None, None, "00:30")),
    "followup_overdue": (_overdue_tasks, _("Overdue follow-up tasks"), (None, None, "00:40")),
    "weekly": (lambda now: jobs.weekly_notices(now=now), _("Weekly points notice"), (0, None, "07:30")),
    "monthly": (lambda now: jobs.monthly_statements(now=now), _("Monthly statement"), (None, 1, "07:45")),
    "digests": (_digests, _("Daily digests"), (None, None, "08:30")),
    "reminders": (lambda now: jobs.reminders(now=now), _("Reminders"), (None, None, "09:00")),
    "escalations": (lambda now: jobs.progress_escalations(now=now), _("Escalations for people behind on credits"),
                    (None, 1, "09:30")),
    "action_escalations": (_actions, _("Overdue improvement actions"), (None, None, "09:15")),
    "review_reminders": (_reviews, _("Appeals and adjustments waiting"), (None, None, "09:20")),
}


def schedule_label(when) -> str:
    weekday, day, time = when
    if weekday is not None:
        return _("Mondays at %(time)s") % {"time": time}
    if day is not None:
        return _("On the 1st of the month at %(time)s") % {"time": time}
    return _("Daily at %(time)s") % {"time": time}


def is_due(when, now: dt.datetime) -> bool:
    """Whether the job's time in this period (the day, the week or the month) has come."""
    weekday, day, time = when
    local = timezone.localtime(now)
    hour, minute = (int(part) for part in time.split(":"))
    start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if weekday is not None:
        start -= dt.timedelta(days=(local.weekday() - weekday) % 7)
    if day is not None:
        start = start.replace(day=day)
    return local >= start


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Run every job whose time has come (each claims its period: done ones cost one query)."""
    now = now or timezone.now()
    ran = []
    for name, (run, _label, when) in JOBS.items():
        if is_due(when, now):
            try:
                if run(now):
                    ran.append(name)
            except Exception:
                log.exception("job %s failed", name)  # recorded on its JobRun; the next tick tries again
    return ran


@db_periodic_task(crontab(minute="*"), lock="jifen-deliver")
def deliver():
    return services.deliver_due()


@db_periodic_task(crontab(minute="*/5"), lock="jifen-tick")
def tick():
    return run_due()


@db_task()
def run_named(name: str):
    run, _label, _when = JOBS[name]
    return bool(run(timezone.now()))


@db_task()
def deliver_now():
    return services.deliver_due()


def run_soon(name: str) -> None:
    run_named(name)


def deliver_soon() -> None:
    deliver_now()


__all__ = ["HUEY", "JOBS", "deliver", "deliver_soon", "run_due", "run_soon", "tick"]
