"""A backup restored into a fresh database gives back the same ledger, the media files, and a ledger that
verifies; a damaged archive, one from newer code, or an overwrite without --yes are refused.

The restore runs as `jifen restore` in a separate process pointed at a fresh database (a new SQLite file, or a
new PostgreSQL database on the same server when the tests run on PostgreSQL), as an operator would run it.
"""

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from jifen.ledger import services as ledger
from jifen.ledger.models import Currency, Entry
from jifen.ops.backup import MANIFEST, backup_create

REPO = Path(__file__).resolve().parents[3]
MEDIA_FILE = Path("certificates/2026/证书-T1.pdf")
MEDIA_BYTES = b"%PDF-1.7 a certificate\n" * 100


def build_ledger(org, media_root: Path) -> dict[str, Decimal]:
    """Three people with awards, a spend and an expiry, and one uploaded file. Returns the expected balances."""
    now = timezone.now()
    alice, bob, carol = (org.person(no=no) for no in ("OPS1", "OPS2", "OPS3"))
    ledger.award(person=alice, currency=Currency.POINTS, amount=100, key="ops:a1", reason="course", now=now)
    ledger.award(person=alice, currency=Currency.CREDITS, amount=12, key="ops:a2", reason="course", now=now,
                 credit_type="compulsory")
    ledger.award(person=bob, currency=Currency.POINTS, amount=40, key="ops:b1", reason="quiz", now=now)
    ledger.spend(person=alice, amount=30, key="ops:s1", reason="mug", now=now)
    # Earned long ago: past its expiry, so the expiry run takes it back.
    long_ago = now - dt.timedelta(days=800)
    ledger.award(person=carol, currency=Currency.POINTS, amount=25, key="ops:c1", reason="old", occurred_at=long_ago,
                 now=long_ago)
    assert ledger.expire_due_lots(now=now) >= 1
    (media_root / MEDIA_FILE).parent.mkdir(parents=True, exist_ok=True)
    (media_root / MEDIA_FILE).write_bytes(MEDIA_BYTES)
    return {"OPS1:points": Decimal("70"), "OPS1:credits": Decimal("12"), "OPS2:points": Decimal("40"),
            "OPS3:points": Decimal("0")}


def run_jifen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jifen", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=180)


READ_BACK = """
import json, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
django.setup()
from jifen.ledger.models import Account, Entry
print(json.dumps({
    "balances": {f"{a.person.employee_no}:{a.currency}": str(a.balance) for a in Account.objects.select_related("person")},
    "entries": Entry.objects.count(),
    "kinds": sorted(set(Entry.objects.values_list("kind", flat=True))),
}))
"""


def read_back(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", READ_BACK], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the same kind as the tests' own: its DATABASE_URL."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'jifen.sqlite3'}"
        return
    import psycopg

    name = f"ops_restore_{secrets.token_hex(4)}"
    params = {"host": settings_dict["HOST"] or None, "port": settings_dict["PORT"] or None,
              "user": settings_dict["USER"] or None, "password": settings_dict["PASSWORD"] or None,
              "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "localhost"
    port = settings_dict["PORT"] or 5432
    try:
        yield f"postgres://{user}{password}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": database_url, "JIFEN_DATA_DIR": str(data_dir), "SECRET_KEY": "test"})
    return env


def test_a_backup_restored_into_a_fresh_database_gives_back_the_ledger_and_the_files(
        org, transactional_db, settings, tmp_path, fresh_database):
    expected = build_ledger(org, Path(settings.MEDIA_ROOT))
    entries = Entry.objects.count()
    result = backup_create(path=tmp_path / "backups")
    assert result.path.name.endswith(".tar.gz") and result.path.parent == tmp_path / "backups"
    assert result.manifest["database_vendor"] == connection.vendor
    assert "ledger" in result.manifest["migrations"]
    assert f"media/{MEDIA_FILE.as_posix()}" in result.manifest["files"]

    data_dir = tmp_path / "restored"
    env = restore_env(fresh_database, data_dir)
    done = run_jifen(env, "restore", str(result.path))
    assert done.returncode == 0, done.stdout + done.stderr

    restored = read_back(env)
    assert {key: Decimal(value) for key, value in restored["balances"].items()} == expected
    assert restored["entries"] == entries
    assert {"award", "spend", "expiry"} <= set(restored["kinds"])
    assert (data_dir / "media" / MEDIA_FILE).read_bytes() == MEDIA_BYTES
    verified = run_jifen(env, "verify")
    assert verified.returncode == 0, verified.stderr

    # The restored database now holds data: restoring over it needs --yes, and then replaces it.
    refused = run_jifen(env, "restore", str(result.path))
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    again = run_jifen(env, "restore", str(result.path), "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert read_back(env)["entries"] == entries


def _rewrite(archive: Path, target: Path, change) -> Path:
    """Copy an archive, passing each member's (name, bytes) through ``change``."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def archive(org, transactional_db, settings, tmp_path):
    build_ledger(org, Path(settings.MEDIA_ROOT))
    return backup_create(path=tmp_path / "good.tar.gz").path


def test_a_tampered_archive_is_refused_and_nothing_is_touched(archive, tmp_path, settings):
    def flip_media(name, data):
        return data.replace(b"certificate", b"CERTIFICATE") if name.startswith("media/") else data

    tampered = _rewrite(archive, tmp_path / "tampered.tar.gz", flip_media)
    entries = Entry.objects.count()
    with pytest.raises(CommandError, match=r"checksum|校验和"):
        call_command("restore", str(tampered), "--yes")
    assert Entry.objects.count() == entries
    assert (Path(settings.MEDIA_ROOT) / MEDIA_FILE).read_bytes() == MEDIA_BYTES


def test_a_truncated_archive_is_refused(archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match=r"damaged|损坏"):
        call_command("restore", str(truncated), "--yes")


def test_a_backup_from_newer_code_is_refused(archive, tmp_path):
    def add_a_migration(name, data):
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["ledger"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    newer = _rewrite(archive, tmp_path / "newer.tar.gz", add_a_migration)
    with pytest.raises(CommandError, match="9999_from_the_future"):
        call_command("restore", str(newer), "--yes")


def test_restoring_over_a_database_in_use_needs_yes(archive):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    assert Entry.objects.filter(idempotency_key="ops:a1").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="edits the SQLite file inside the archive (the SQLite pass)")
def test_a_restored_ledger_that_fails_verification_ends_with_a_failure(archive, tmp_path):
    # An archive that is internally consistent (checksums recomputed) but whose ledger was altered: the
    # restore goes through, and its verification step catches the altered entry.
    with tarfile.open(archive, "r:gz") as source:
        database = source.extractfile("database.sqlite3").read()
    altered_file = tmp_path / "altered.sqlite3"
    altered_file.write_bytes(database)
    with sqlite3.connect(altered_file) as db:
        db.create_function("REGEXP", 2, lambda pattern, value: value is not None and re.search(pattern, str(value))
                           is not None)
        # Entries are append-only (a trigger refuses), but the cached balance can be made to disagree.
        changed = db.execute("UPDATE ledger_account SET balance = balance + 5 WHERE person_id = "
                             "(SELECT id FROM org_person WHERE employee_no = 'OPS2')").rowcount
        assert changed == 1
    altered = altered_file.read_bytes()

    def swap_database(name, data):
        if name == "database.sqlite3":
            return altered
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["files"]["database.sqlite3"] = hashlib.sha256(altered).hexdigest()
            return json.dumps(manifest).encode()
        return data

    doctored = _rewrite(archive, tmp_path / "doctored.tar.gz", swap_database)
    env = restore_env(f"sqlite:///{tmp_path / 'restored' / 'jifen.sqlite3'}", tmp_path / "restored")
    done = run_jifen(env, "restore", str(doctored))
    assert done.returncode != 0
    assert "45" in done.stderr, done.stderr  # the account at fault, with the balance it claims
