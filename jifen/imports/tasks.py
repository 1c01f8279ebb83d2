"""Background commit of a large import file (huey; immediate in tests)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from jifen.imports import services


@db_task()
def commit_import(run_id: int):
    return services.run_execute(run_id=run_id).status
