"""Background commit of a large import file (huey; immediate in tests).

A queued job is taken off the queue before it runs: a worker that dies while importing loses it. So each
worker, when it starts and then every five minutes, queues again the runs left waiting that no live worker
holds (``services.resume_runs``); importing a run twice is harmless (it is done, or held).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from jifen.imports import services

log = logging.getLogger(__name__)
_resumed_at_start = threading.Lock()  # taken once per process: the first worker thread resumes, not each


@db_task()
def commit_import(run_id: int):
    return services.run_execute(run_id=run_id).status


@db_periodic_task(crontab(minute="*/5"))
def resume_imports():
    return services.resume_runs(commit_import)


@HUEY.on_startup()
def resume_imports_at_start():
    if not _resumed_at_start.acquire(blocking=False):
        return
    try:
        services.resume_runs(commit_import)
    except Exception:  # the periodic run tries again
        log.exception("could not resume the bulk imports left unfinished")
    finally:
        close_old_connections()
