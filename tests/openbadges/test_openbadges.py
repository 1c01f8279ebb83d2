"""Every badge and certificate is an Open Badges 2.0 hosted assertion that 1EdTech's own validator accepts.

The validator (``openbadges`` on PyPI) pins old libraries that cannot live beside Jifen's, so it gets its own
virtual environment, built once under the test data folder; it fetches the assertion, its BadgeClass and the
Issuer from the live app, and the Open Badges context from a local copy (no internet here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from jifen.catalog.models import Course
from jifen.recognition import certificates
from jifen.recognition.models import Badge, BadgeAward, Certificate

HERE = Path(__file__).parent
VALIDATOR = "openbadges==1.1.2"
SHIM = '''import collections, collections.abc
for _n in ("Mapping", "MutableMapping", "Iterable", "Sequence", "Callable", "MutableSequence", "Set", "MutableSet"):
    if not hasattr(collections, _n):
        setattr(collections, _n, getattr(collections.abc, _n))
'''


@pytest.fixture(scope="session")
def validator_python() -> Path:
    """The validator's interpreter. Its pins predate Python 3.10: a three-line shim restores the
    collections aliases they import, and a newer pycryptodome replaces one that no longer builds."""
    root = Path(os.environ.get("JIFEN_DATA_DIR", HERE.parents[1] / ".test-data")) / "openbadges-venv"
    python = root / "bin" / "python"
    ready = root / ".ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(root)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, VALIDATOR], check=True)
        subprocess.run([*pip, "--force-reinstall", "--no-deps", "pycryptodome==3.20.0"], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "sitecustomize.py").write_text(SHIM)
        ready.touch()
    return python


def validate(python: Path, url: str, email: str) -> dict:
    done = subprocess.run([str(python), str(HERE / "validate.py"), url, email], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def holder(org):
    return org.person(no="E0001", name="郑雨桐", email="zheng.yutong@example.com")


@pytest.mark.django_db(transaction=True)
def test_a_badge_award_is_a_valid_open_badges_assertion(live_server, validator_python, holder):
    award = BadgeAward.objects.create(badge=Badge.objects.get(code="first-course"), person=holder,
                                      awarded_at=timezone.now(), reason="完成《安全生产》")
    report = validate(validator_python, f"{live_server.url}/recognition/ob/assertions/{award.uid}.json",
                      holder.email)
    assert report["valid"], report
    assert report["errorCount"] == 0 and report["recipientProfile"]["email"] == holder.email


@pytest.mark.django_db(transaction=True)
def test_a_certificate_is_a_valid_open_badges_assertion_until_revoked(live_server, validator_python, holder):
    course = Course.objects.create(code="SAFE-01", title="安全生产与应急处置")
    certificate = Certificate.objects.create(person=holder, kind="course", title=course.title, course=course,
                                             key="course:x", code=certificates.new_code(), issued_at=timezone.now())
    url = f"{live_server.url}/recognition/ob/certificate-assertions/{certificate.code}.json"
    report = validate(validator_python, url, holder.email)
    assert report["valid"] and report["errorCount"] == 0, report
    certificates.revoke(certificate=certificate, reason="课程记录有误")
    assert not validate(validator_python, url, holder.email)["valid"]


@pytest.mark.django_db(transaction=True)
def test_the_validator_refuses_an_assertion_for_someone_else(live_server, validator_python, holder):
    award = BadgeAward.objects.create(badge=Badge.objects.get(code="first-course"), person=holder,
                                      awarded_at=timezone.now())
    report = validate(validator_python, f"{live_server.url}/recognition/ob/assertions/{award.uid}.json",
                      "someone.else@example.com")
    assert not report["valid"]

