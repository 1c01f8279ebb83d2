"""The dependency audit finds a pinned package that a vulnerability database copy says is affected, and
only that one."""

import json
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import audit_deps


def advisory(ident: str, package: str, events: list[dict], versions: list[str] | None = None) -> dict:
    return {"id": ident, "summary": f"{package} problem", "affected": [{
        "package": {"ecosystem": "PyPI", "name": package},
        "ranges": [{"type": "ECOSYSTEM", "events": events}], "versions": versions or []}]}


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for item in [
            advisory("PYSEC-1", "Django", [{"introduced": "5.0"}, {"fixed": "5.2.9"}]),
            advisory("PYSEC-2", "django", [{"introduced": "0"}, {"fixed": "4.2.1"}]),  # fixed before our pin
            advisory("GHSA-3", "openpyxl", [{"introduced": "3.1.0"}]),  # never fixed
            advisory("GHSA-4", "segno", [{"introduced": "0"}, {"last_affected": "1.5.0"}]),
            advisory("GHSA-5", "huey", [], versions=["2.5.0"]),
            {**advisory("GHSA-6", "lxml", [{"introduced": "0"}]), "withdrawn": "2026-01-01T00:00:00Z"},
        ]:
            archive.writestr(f"{item['id']}.json", json.dumps(item))
    return path


@pytest.fixture
def lock(tmp_path) -> Path:
    path = tmp_path / "main.lock"
    path.write_text("django==5.2.3 \\\n    --hash=sha256:abc\nopenpyxl==3.1.5\nsegno==1.6.6\n"
                    "huey==2.5.0\nlxml==6.0.0\npsycopg[binary]==3.2.9\n# comment\n")
    return path


def test_the_audit_reports_the_pins_a_database_copy_says_are_affected(database, lock, capsys):
    assert audit_deps.main(["--db", str(database), str(lock)]) == 1
    out = capsys.readouterr().out
    assert "django==5.2.3  PYSEC-1, fixed in 5.2.9  [VULNERABLE]" in out
    assert "openpyxl==3.1.5  GHSA-3" in out and "huey==2.5.0  GHSA-5" in out
    assert "PYSEC-2" not in out and "GHSA-4" not in out and "GHSA-6" not in out
    assert "3 vulnerable" in out


def test_an_advisory_ignored_with_a_reason_does_not_fail_the_audit(database, lock, tmp_path, monkeypatch, capsys):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("PYSEC-1  the admin is not exposed\nGHSA-3  we never read untrusted workbooks\n"
                      "GHSA-5  pinned by the test only\n")
    monkeypatch.setattr(audit_deps, "IGNORE_FILE", ignore)
    assert audit_deps.main(["--db", str(database), str(lock)]) == 0
    assert "ignored: the admin is not exposed" in capsys.readouterr().out


def test_an_unreachable_database_is_said_out_loud_and_fails_only_when_strict(lock, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(audit_deps, "CACHE", tmp_path / "none.zip")
    url = "https://127.0.0.1:9/all.zip"
    assert audit_deps.main(["--url", url, str(lock)]) == 0
    assert "NOT audited" in capsys.readouterr().out
    assert audit_deps.main(["--url", url, "--strict", str(lock)]) == 2


def test_the_lock_files_pins_are_read_with_their_extras_and_hashes_skipped(lock):
    assert audit_deps.pins([lock]) == {"django": "5.2.3", "openpyxl": "3.1.5", "segno": "1.6.6", "huey": "2.5.0",
                                       "lxml": "6.0.0", "psycopg": "3.2.9"}
