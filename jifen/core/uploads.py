"""Uploads that wait between a check (the dry run) and the user's confirmation.

A file waits under MEDIA_ROOT/<folder>/<user id>/<token>, so a token only ever finds the uploader's
own file. Files are removed once used or discarded; any left behind after ``keep_for`` are swept
away at the next upload.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


class ParkedUploads:
    def __init__(self, folder: str, *, keep_for: dt.timedelta = dt.timedelta(days=1)):
        self.folder = folder
        self.keep_for = keep_for

    def _root(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def _user_dir(self, user_id: int) -> Path:
        return self._root() / str(int(user_id))

    def _sweep(self, now: dt.datetime) -> None:
        """Remove uploads nobody came back for."""
        root = self._root()
        if not root.is_dir():
            return
        cutoff = (now - self.keep_for).timestamp()
        for path in root.glob("*/*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError as exc:  # another process swept it first
                logger.debug("could not sweep %s: %s", path, exc)

    @staticmethod
    def _write_private(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def park(self, user_id: int, file_name: str, data: bytes) -> str:
        """Keep ``data`` for ``user_id``; the token finds it again."""
        now = timezone.now()
        self._sweep(now)
        folder = self._user_dir(user_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(24)
        meta = {"user_id": user_id, "file_name": file_name, "uploaded_at": now.isoformat()}
        self._write_private(folder / f"{token}.data", data)
        self._write_private(folder / f"{token}.json", json.dumps(meta).encode())
        return token

    def load(self, user_id: int, token: str) -> tuple[bytes, dict] | None:
        """(data, meta) of the user's parked upload, or None: unknown, someone else's, or too old."""
        if not TOKEN_PATTERN.fullmatch(token):
            return None
        folder = self._user_dir(user_id)
        try:
            meta = json.loads((folder / f"{token}.json").read_text())
            uploaded_at = dt.datetime.fromisoformat(meta["uploaded_at"])
            data = (folder / f"{token}.data").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if meta.get("user_id") != user_id:
            return None
        if timezone.now() - uploaded_at > self.keep_for:
            self.discard(user_id, token)
            return None
        meta["uploaded_at"] = uploaded_at
        return data, meta

    def discard(self, user_id: int, token: str) -> None:
        if not TOKEN_PATTERN.fullmatch(token):
            return
        for suffix in (".data", ".json"):
            (self._user_dir(user_id) / f"{token}{suffix}").unlink(missing_ok=True)
