import datetime as dt

import pytest
from django.utils import timezone

from jifen.learning.attendance.tests.factories import make_session
from jifen.org.models import Role


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Classroom:
    """A session at 09:00 (an hour from "now" below) with a trainer and three learners enrolled."""

    def __init__(self, org):
        self.org = org
        self.trainer = org.person(unit=org.platform, no="TR-0001", name="孙讲师", role=Role.TRAINER)
        self.learner = org.person(unit=org.platform, no="RD-0007", name="郑雨桐")
        self.second = org.person(unit=org.platform, no="RD-0008", name="王小明")
        self.third = org.person(unit=org.platform, no="RD-0009", name="李华")
        self.stranger = org.person(unit=org.marketing, no="MK-0009", name="钱多多")
        self.starts_at = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
        self.session = make_session(org_unit=org.platform, trainer=self.trainer, starts_at=self.starts_at,
                                    enrol=[self.learner, self.second, self.third])

    def at(self, minutes: float) -> dt.datetime:
        """A moment relative to the session's start."""
        return self.starts_at + dt.timedelta(minutes=minutes)


@pytest.fixture
def room(org) -> Classroom:
    return Classroom(org)
