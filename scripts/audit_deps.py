"""Dependency audit: every pinned package in the lock files against a copy of the OSV vulnerability
database for PyPI (https://osv.dev, the database pip-audit and GitHub's advisories feed).

    .venv/bin/python scripts/audit_deps.py [--db PATH | --url URL] [--strict] [LOCK ...]

Where the database comes from, first found:

1. ``--db PATH`` or ``JIFEN_OSV_DB``: a copy of OSV's ``PyPI/all.zip`` kept on the machine (an intranet
   mirrors it; download it where there is internet and copy it over);
2. ``--url`` or ``JIFEN_OSV_URL`` (default OSV's own bucket): downloaded into ``.cache/osv-pypi.zip`` when
   reachable; a copy younger than a day is used as it is.

When neither is reachable the audit says so and exits 0 (``--strict``: exits 2), so that a CI without the
internet is not red for it; ``make audit`` is the command to run where the database is reachable.
A vulnerable pin exits 1, unless ``security/audit-ignore.txt`` lists the advisory id with a reason.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
CACHE = ROOT / ".cache" / "osv-pypi.zip"
IGNORE_FILE = ROOT / "security" / "audit-ignore.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    summary: str
    fixed: str


def pins(lock_files: list[Path]) -> dict[str, str]:
    """``name==version`` lines of pip-compile / uv lock files (hash lines and comments skipped)."""
    found: dict[str, str] = {}
    for path in lock_files:
        for line in path.read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def affects(affected: dict, version: str) -> tuple[bool, str]:
    """Whether one OSV ``affected`` entry covers ``version``; and the first fixed version it names."""
    if version in affected.get("versions", []):
        fixed = [event["fixed"] for r in affected.get("ranges", []) for event in r.get("events", [])
                 if "fixed" in event]
        return True, ", ".join(fixed)
    mine = _version(version)
    if mine is None:
        return False, ""
    for span in affected.get("ranges", []):
        if span.get("type") != "ECOSYSTEM":
            continue
        inside, fixed = False, ""
        # Events in order: introduced opens a span, fixed / last_affected closes it.
        for event in span.get("events", []):
            if "introduced" in event:
                start = event["introduced"]
                inside = start == "0" or (_version(start) is not None and mine >= _version(start))
            elif "fixed" in event and inside:
                end = _version(event["fixed"])
                if end is not None and mine < end:
                    return True, event["fixed"]
                inside = False
            elif "last_affected" in event and inside:
                end = _version(event["last_affected"])
                if end is not None and mine <= end:
                    return True, ""
                inside = False
            if "fixed" in event:
                fixed = event["fixed"]
        if inside:  # introduced and never fixed
            return True, fixed
    return False, ""


def audit(database: zipfile.ZipFile, pinned: dict[str, str]) -> list[Finding]:
    findings = []
    for name in database.namelist():
        if not name.endswith(".json"):
            continue
        advisory = json.loads(database.read(name))
        if advisory.get("withdrawn"):
            continue
        for affected in advisory.get("affected", []):
            package = affected.get("package", {})
            if package.get("ecosystem") != "PyPI":
                continue
            key = canonicalize_name(package.get("name", ""))
            if key not in pinned:
                continue
            hit, fixed = affects(affected, pinned[key])
            if hit:
                findings.append(Finding(key, pinned[key], advisory["id"], advisory.get("summary", "")[:120], fixed))
    return sorted(set(findings), key=lambda f: (f.package, f.advisory))


def ignored() -> dict[str, str]:
    """``ADVISORY-ID  reason`` per line; the reason is required."""
    if not IGNORE_FILE.exists():
        return {}
    entries = {}
    for line in IGNORE_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            advisory, _, reason = line.partition(" ")
            if not reason.strip():
                raise SystemExit(f"{IGNORE_FILE}: {advisory} needs a reason")
            entries[advisory] = reason.strip()
    return entries


def load_database(db: str | None, url: str) -> zipfile.ZipFile | None:
    if db:
        return zipfile.ZipFile(db)
    if CACHE.exists() and time.time() - CACHE.stat().st_mtime < 86_400:
        return zipfile.ZipFile(CACHE)
    if not url.startswith("https://"):
        raise SystemExit("--url must be https")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (https only, checked above)
            data = response.read()
    except OSError as error:
        print(f"audit: the vulnerability database is not reachable ({url}: {error})")
        return None
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_bytes(data)
    return zipfile.ZipFile(io.BytesIO(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("locks", nargs="*", type=Path,
                        default=[ROOT / "requirements" / "main.lock", ROOT / "requirements" / "dev.lock"])
    parser.add_argument("--db", default=os.environ.get("JIFEN_OSV_DB"))
    parser.add_argument("--url", default=os.environ.get("JIFEN_OSV_URL", DEFAULT_URL))
    parser.add_argument("--strict", action="store_true", help="fail when the database cannot be read")
    options = parser.parse_args(argv)

    pinned = pins(options.locks)
    database = load_database(options.db, options.url)
    if database is None:
        print(f"audit: {len(pinned)} pinned packages NOT audited (no database copy; see scripts/audit_deps.py)")
        return 2 if options.strict else 0
    allowed = ignored()
    findings = audit(database, pinned)
    open_findings = [f for f in findings if f.advisory not in allowed]
    for finding in findings:
        mark = f"ignored: {allowed[finding.advisory]}" if finding.advisory in allowed else "VULNERABLE"
        fix = f", fixed in {finding.fixed}" if finding.fixed else ""
        print(f"{finding.package}=={finding.version}  {finding.advisory}{fix}  [{mark}]  {finding.summary}")
    print(f"audit: {len(pinned)} pinned packages against {len(database.namelist())} advisories: "
          f"{len(open_findings)} vulnerable, {len(findings) - len(open_findings)} ignored with a reason")
    return 1 if open_findings else 0


if __name__ == "__main__":
    sys.exit(main())
