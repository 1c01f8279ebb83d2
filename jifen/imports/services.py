"""Bulk imports: check a file (the dry run), commit it all or nothing, or hand a large file to the
background worker, which commits it in one transaction and reports how far it got.

Progress of a background commit cannot be read from the database while its transaction is open (that
is the point of all or nothing), so the worker writes it to a small file beside the parked upload
(MEDIA_ROOT/bulk-imports/, never served), which the page polls.

A worker may die part-way (killed, out of memory, the machine restarted): its transaction is rolled back, and
the run's outcome is written in that same transaction, so the run is still waiting (``queued``, or ``running``
as marked for the page) with nothing imported. The worker holds a lock on the run (a file lock, which the
kernel drops with the dead process, and on PostgreSQL the run's row) for as long as it imports; ``resume_runs``
(at a worker's start and every few minutes) queues again every waiting run that nobody holds, and the lock and
the status make a second attempt of a run that is done, or being imported, change nothing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.core.uploads import ParkedUploads
from jifen.imports.kinds import KINDS, Context, ImportRejected, Kind, Plan
from jifen.imports.models import ImportRun, RunStatus
from jifen.org.permissions import Access, access_for_user

logger = logging.getLogger(__name__)

PARKED = ParkedUploads("bulk-imports", keep_for=dt.timedelta(days=2))
MAX_ERRORS_KEPT = 200


def background_rows() -> int:
    """From how many rows a commit from the web is left to the background worker."""
    return getattr(settings, "IMPORTS_BACKGROUND_ROWS", 2000)


def kind_for(key: str, access: Access | None) -> Kind:
    """The kind ``key`` if the caller may import it; ApplicationError otherwise."""
    kind = KINDS.get(key)
    if kind is None:
        raise ApplicationError(_("There is no import of “%(kind)s”.") % {"kind": key[:40]}, code="unknown_kind")
    if not kind.allowed(access):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return kind


def kinds_for(access: Access | None) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.allowed(access)]


def import_check(*, kind: Kind, data: bytes, file_name: str, ctx: Context) -> Plan:
    """The dry run: read the file, check every row. Writes nothing."""
    return kind.check(kind.read(data, file_name), ctx)


def import_commit(*, kind: Kind, data: bytes, file_name: str, ctx: Context, progress=None) -> Plan:
    """Import the file: everything, or (ImportRejected, with the plan and its errors) nothing."""
    return kind.commit(kind.read(data, file_name), ctx, progress)


# ---------------------------------------------------------------- in the background


def _progress_path(run_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "bulk-imports" / "progress" / f"{int(run_id)}.json"


def _save_progress(run_id: int, done: int) -> None:
    path = _progress_path(run_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done}))
        tmp.replace(path)
    except OSError as exc:  # progress is a courtesy: never fail the import for it
        logger.debug("could not save import progress: %s", exc)


def run_done(run: ImportRun) -> int:
    """How many rows a run has written so far."""
    if run.status == RunStatus.DONE:
        return run.total
    try:
        return min(run.total, int(json.loads(_progress_path(run.pk).read_text())["done"]))
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def run_percent(run: ImportRun) -> int:
    if run.status == RunStatus.DONE:
        return 100
    return round(100 * run_done(run) / run.total) if run.total else 0


def run_queue(*, kind: Kind, user, token: str, file_name: str, rows: int, now: dt.datetime | None = None) -> ImportRun:
    """Note a large file for the worker; the caller queues ``tasks.commit_import(run.pk)``."""
    return ImportRun.objects.create(kind=kind.key, user=user, file_name=file_name[:200], token=token, total=rows,
                                    created_at=now or timezone.now())


WAITING = (RunStatus.QUEUED, RunStatus.RUNNING)  # not imported yet: what a background run is until it ends


@contextmanager
def _hold(run_id: int) -> Iterator[bool]:
    """Whether this worker holds the run (an exclusive lock on its lock file until the block ends; the kernel
    drops it when the process dies, however it dies). False: another worker is importing it."""
    path = _progress_path(run_id).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def held(run_id: int) -> bool:
    """Whether a live worker is importing the run now."""
    with _hold(run_id) as mine:
        return not mine


def resume_runs(queue: Callable[[int], object]) -> list[int]:
    """Queue again the background runs left waiting by a worker that died (or never queued: the web process
    died first). A run still in the queue is queued twice: the second attempt finds it done, or held."""
    waiting = ImportRun.objects.filter(status__in=WAITING).order_by("pk").values_list("pk", flat=True)
    resumed = [pk for pk in waiting if not held(pk)]
    for pk in resumed:
        logger.warning("bulk import %s was left unfinished: queued again", pk)
        queue(pk)
    return resumed


def run_execute(*, run_id: int) -> ImportRun:
    """The worker's part: commit the run's parked file, all or nothing, saving progress as it goes. "Done"
    is saved in the import's own transaction: a worker killed part-way leaves the run waiting with nothing
    imported. A run that is not waiting (done, failed) or that another worker holds is left alone."""
    with _hold(run_id) as mine:
        if not mine or not ImportRun.objects.filter(pk=run_id, status__in=WAITING).update(status=RunStatus.RUNNING):
            return ImportRun.objects.get(pk=run_id)
        run = ImportRun.objects.select_related("user").get(pk=run_id)
        _save_progress(run.pk, 0)
        language = getattr(run.user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                stored = PARKED.load(run.user_id, run.token)
                if stored is None:
                    raise ApplicationError(_("The uploaded file is no longer there: upload it again."))
                kind = kind_for(run.kind, access_for_user(run.user))
                table = kind.read(stored[0], run.file_name)  # before the transaction: reading a big file is slow
                ctx = Context(user=run.user, access=access_for_user(run.user), now=timezone.now(), run=run)
                with transaction.atomic():
                    if not (ImportRun.objects.select_for_update(skip_locked=True)
                            .filter(pk=run_id, status=RunStatus.RUNNING).exists()):
                        return ImportRun.objects.get(pk=run_id)  # done meanwhile, or another machine's worker has it
                    plan = kind.commit(table, ctx, lambda done: _save_progress(run.pk, done))
                    run.new, run.changed, run.unchanged = plan.new, plan.changed, plan.unchanged
                    _finish(run, RunStatus.DONE, "\n".join(plan.notes))
            except ImportRejected as rejected:
                lines = [_("Row %(row)d, %(column)s: %(message)s") % {"row": e.row, "column": e.column,
                                                                        "message": e.message}
                         for e in rejected.plan.errors[:MAX_ERRORS_KEPT]]
                _finish(run, RunStatus.FAILED, "\n".join([str(rejected.message), *lines]))
                return run
            except ApplicationError as error:
                _finish(run, RunStatus.FAILED, str(error.message))
                return run
            except Exception:
                logger.exception("bulk import %s failed", run.pk)
                _finish(run, RunStatus.FAILED, _("The import failed; nothing was imported. Try again, or ask an "
                                                 "administrator to look at the log."))
                raise
    PARKED.discard(run.user_id, run.token)
    return run


def _finish(run: ImportRun, status: str, error: str) -> None:
    run.status, run.error, run.finished_at = status, error[:20000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "new", "changed", "unchanged"])
    transaction.on_commit(lambda: _progress_path(run.pk).unlink(missing_ok=True))
