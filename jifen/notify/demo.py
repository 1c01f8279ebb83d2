"""Demo notifications: this week's Monday points notice and today's reminders for the demo people, made
by the real jobs (so the inbox and the job runs page have something to show). Idempotent: each job runs
once per period."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jifen.notify import jobs


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {}
    for name, job in (("weekly", jobs.weekly_notices), ("reminders", jobs.reminders)):
        run = job(now=now)
        made[name] = run.made if run is not None else 0
    return made
