import datetime as dt

import pytest
from django.utils import timezone

from jifen.learning.attendance.tests.factories import enrol_in, make_session
from jifen.learning.exams.models import Quiz, QuizKind
from jifen.learning.work.models import Assignment
from jifen.org.models import Role


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class School:
    """平台组 runs a session that started two hours ago, with three learners enrolled, an exam and a
    homework; 市场部 runs one of its own. The training admin of 平台组 imports; so does a trainer."""

    def __init__(self, org):
        self.org = org
        self.admin = org.person(unit=org.platform, no="ADM-01", name="管培训", role=Role.TRAINING_ADMIN,
                                scope=org.platform)
        self.trainer = org.person(unit=org.platform, no="TR-0001", name="孙讲师", role=Role.TRAINER)
        self.learners = [org.person(unit=org.platform, no=f"RD-{n:04d}", name=f"学员{n}") for n in (7, 8, 9)]
        self.stranger = org.person(unit=org.marketing, no="MK-0009", name="钱多多")
        self.now = timezone.now().replace(microsecond=0)
        self.session = make_session(org_unit=org.platform, trainer=self.trainer,
                                    starts_at=self.now - dt.timedelta(hours=2), enrol=self.learners)
        self.course = self.session.course
        self.other_session = make_session(org_unit=org.marketing, starts_at=self.now - dt.timedelta(hours=3),
                                          enrol=[self.stranger])
        enrol_in(self.other_session, self.learners[0])
        self.exam = Quiz.objects.create(course=self.course, title="期末考试", kind=QuizKind.EXAM, pass_mark=60)
        self.assignment = Assignment.objects.create(course=self.course, session=self.session, title="案例分析",
                                                    due_at=self.now - dt.timedelta(hours=1),
                                                    created_by=self.trainer.user, created_at=self.now)

    @property
    def numbers(self) -> list[str]:
        return [p.employee_no for p in self.learners]


@pytest.fixture
def school(org) -> School:
    return School(org)
