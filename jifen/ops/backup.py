"""Backup and restore of one Jifen installation: its database and its media files in one archive.

The archive is a gzip'd tar holding ``database.sqlite3`` (a consistent copy made with SQLite's online
backup API, safe while the app runs) or ``database.pgdump`` (``pg_dump --format=custom``), the
``media/`` folder (uploads, certificates, report files) and ``manifest.json``: the Jifen version,
the migrations applied per app, the database vendor, when it was made and the SHA-256 of every
other member. A restore refuses an archive whose checksums do not match or whose migrations are
newer than the code, puts the database and the media back, migrates to the code's schema and
runs the ledger verification.

PostgreSQL's password goes to pg_dump/pg_restore in PGPASSWORD (environment), never on the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
# Tables whose rows mean "this database is in use": overwriting it needs --yes.
DATA_TABLES = ("accounts_user", "org_person", "ledger_entry")


@dataclass
class BackupResult:
    path: Path
    size: int
    members: int
    manifest: dict


@dataclass
class RestoreResult:
    manifest: dict
    media_files: int
    verified: bool
    verify_output: str = ""


def jifen_version() -> str:
    try:
        return metadata.version("jifen")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def vendor(alias: str = DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor  # "sqlite" or "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the configured database: the password never appears in a process list."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise ApplicationError(
            _("%(tool)s was not found: install the PostgreSQL client tools (Debian: postgresql-client).")
            % {"tool": command[0]}
        ) from exc
    if done.returncode != 0:
        raise ApplicationError(
            _("%(tool)s failed: %(error)s") % {"tool": command[0], "error": done.stderr.strip()[-2000:]}
        )


def _dump_database(alias: str, target: Path) -> str:
    """Write the database to ``target``; returns the archive member name."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:
            # SQLite's backup would wait forever for this connection's own write transaction to end.
            raise ApplicationError(_("A backup cannot be made inside a database transaction."))
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot even while other processes write.
            connection.connection.backup(destination)
        finally:
            destination.close()
        return SQLITE_MEMBER
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", f"--file={target}"], pg_env(connection.settings_dict))
        return PG_MEMBER
    raise ApplicationError(_("Backups support SQLite and PostgreSQL only."))


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(path for path in media_root.rglob("*") if path.is_file() and not path.is_symlink())


def default_backup_path(now: dt.datetime | None = None) -> Path:
    now = timezone.localtime(now or timezone.now())
    return Path(settings.DATA_DIR) / "backups" / f"jifen-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def backup_create(*, path: Path | None = None, alias: str = DEFAULT_DB_ALIAS,
                  now: dt.datetime | None = None) -> BackupResult:
    """Write one archive with the database, the media files and a manifest. Written under a temporary
    name and renamed at the end, so a backup that fails half-way never looks like a finished one."""
    now = now or timezone.now()
    path = Path(path) if path else default_backup_path(now)
    if path.is_dir() or not path.name.endswith((".tar.gz", ".tgz")):  # a folder to write it in
        path = path / default_backup_path(now).name
    path.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="jifen-backup-") as work:
        dump = Path(work) / "database"
        database_member = _dump_database(alias, dump)
        checksums = {database_member: _sha256(dump)}
        media = [(MEDIA_PREFIX + file.relative_to(media_root).as_posix(), file) for file in _media_files(media_root)]
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump, arcname=database_member, recursive=False)
            for member, file in media:
                # The checksum is of the bytes archived: a file changing meanwhile cannot slip past it.
                data = file.read_bytes()
                checksums[member] = hashlib.sha256(data).hexdigest()
                info = tarfile.TarInfo(member)
                info.size = len(data)
                info.mtime = int(file.stat().st_mtime)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
            manifest = {
                "format": FORMAT,
                "jifen_version": jifen_version(),
                "created_at": now.isoformat(),
                "database_vendor": connections[alias].vendor,
                "database_member": database_member,
                "migrations": applied_migrations(alias),
                "files": checksums,
            }
            payload = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(now.timestamp())
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(payload))
        os.replace(partial, path)
    return BackupResult(path=path, size=path.stat().st_size, members=len(checksums) + 1, manifest=manifest)


def _safe_member_name(name: str) -> PurePosixPath:
    posix = PurePosixPath(name)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts:
        raise ApplicationError(_("The archive is damaged: it holds a file outside its folders (%(name)s).")
                               % {"name": name})
    return posix


def archive_unpack(archive_path: Path, into: Path) -> dict:
    """Unpack the archive into ``into`` and check it against its manifest; returns the manifest.
    Refuses an archive that is not one of ours, is truncated, or whose files do not match their checksums."""
    seen: dict[str, str] = {}
    manifest = None
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise ApplicationError(_("The archive is damaged: it holds a link or device (%(name)s).")
                                           % {"name": member.name})
                name = _safe_member_name(member.name)
                source = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(source.read().decode())
                    continue
                target = into.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                seen[member.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(_("The archive is damaged or is not a Jifen backup: %(error)s") % {"error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ApplicationError(_("The archive is not a Jifen backup: it has no manifest."))
    expected = manifest.get("files") or {}
    bad = sorted(name for name in set(expected) | set(seen) if expected.get(name) != seen.get(name))
    if bad:
        raise ApplicationError(
            _("The archive is damaged: %(count)d file(s) do not match the manifest's checksums (%(names)s).")
            % {"count": len(bad), "names": ", ".join(bad[:5])}
        )
    if manifest.get("database_member") not in seen:
        raise ApplicationError(_("The archive is damaged: it holds no database."))
    return manifest


def newer_migrations(manifest: dict) -> list[str]:
    """Migrations the backup's database has that this code does not know: restoring it would mean a
    schema the code cannot read."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(f"{app}.{name}" for app, names in (manifest.get("migrations") or {}).items()
                  for name in names if (app, name) not in known)


def database_holds_data(alias: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[alias]
    if (connection.vendor == "sqlite" and not connection.is_in_memory_db()
            and not Path(connection.settings_dict["NAME"]).exists()):
        return False
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    return True
    return False


def _replace_sqlite(alias: str, restored: Path) -> None:
    if connections[alias].is_in_memory_db():
        raise ApplicationError(_("The configured database is in memory: there is nothing to restore into."))
    target = Path(connections[alias].settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    check = sqlite3.connect(restored)
    # The schema's CHECK constraints call REGEXP, which Django provides to its own connections.
    check.create_function("REGEXP", 2, lambda pattern, value: value is not None
                          and re.search(pattern, str(value)) is not None, deterministic=True)
    try:
        status = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if status != "ok":
        raise ApplicationError(_("The archive's SQLite database fails its integrity check: %(status)s")
                               % {"status": status})
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(restored, staged)
    connections.close_all()
    # A write-ahead log left by the old database must not be replayed onto the restored one.
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(staged, target)  # atomic: the database is either the old one or the restored one


def _restore_postgresql(alias: str, dump: Path) -> None:
    connection = connections[alias]
    connections.close_all()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
          "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
         pg_env(connection.settings_dict))


def _replace_media(unpacked_media: Path, media_root: Path) -> int:
    """Swap the media folder for the archive's by renames, so it is never half old and half new."""
    count = len(_media_files(unpacked_media))
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if not unpacked_media.exists():
        unpacked_media.mkdir(parents=True)
    staged = media_root.with_name(f".{media_root.name}-restoring")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.move(str(unpacked_media), staged)
    old = media_root.with_name(f".{media_root.name}-replaced")
    shutil.rmtree(old, ignore_errors=True)
    if media_root.exists():
        os.replace(media_root, old)
    os.replace(staged, media_root)
    shutil.rmtree(old, ignore_errors=True)
    return count


def backup_restore(*, archive_path: Path, overwrite: bool = False, alias: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restore an archive made by ``backup_create`` into the configured database and media folder."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise ApplicationError(_("No backup file at %(path)s.") % {"path": archive_path})
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the media folder, so the media swap is a rename on one file system.
    with tempfile.TemporaryDirectory(prefix=".jifen-restore-", dir=media_root.parent) as work:
        work = Path(work)
        manifest = archive_unpack(archive_path, work)
        newer = newer_migrations(manifest)
        if newer:
            raise ApplicationError(
                _("The backup was made by a newer Jifen (migrations this code does not have: %(names)s). "
                  "Install that version or newer, then restore.") % {"names": ", ".join(newer[:10])}
            )
        here = vendor(alias)
        if manifest.get("database_vendor") != here:
            raise ApplicationError(
                _("The backup is of a %(backup)s database, but the configured database is %(here)s.")
                % {"backup": manifest.get("database_vendor"), "here": here}
            )
        if database_holds_data(alias) and not overwrite:
            raise ApplicationError(
                _("The database already holds data. Restoring replaces all of it: run again with --yes to do so.")
            )
        dump = work / manifest["database_member"]
        if here == "sqlite":
            _replace_sqlite(alias, dump)
        else:
            _restore_postgresql(alias, dump)
        # A backup from older code is brought up to this code's schema.
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        media_files = _replace_media(work / MEDIA_PREFIX.rstrip("/"), media_root)
    verify_out, verify_err = io.StringIO(), io.StringIO()
    try:
        call_command("verify", stdout=verify_out, stderr=verify_err)
        verified = True
    except Exception as exc:  # the restore is done: the report must say the ledger is not sound
        verify_err.write(str(exc))
        verified = False
    return RestoreResult(manifest=manifest, media_files=media_files, verified=verified,
                         verify_output=(verify_out.getvalue() + verify_err.getvalue()).strip())
