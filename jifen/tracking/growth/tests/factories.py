"""A small organisation for growth tests: 研发中心 with its manager 陈经理 and training admin 林培训,
郑雨桐 in 平台组 (reporting to 陈经理), and 钱多多 in 市场部 outside their scope."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jifen.catalog.models import Course
from jifen.org.models import Role
from jifen.org.tests.factories import OrgBuilder

_numbers = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def course(*, title: str = "沟通技巧") -> Course:
    n = next(_numbers)
    return Course.objects.create(code=f"G{n:04d}", title=title, credits=Decimal(2))


def text_file(content: str = "应用效果截图说明", name: str = "效果.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def today() -> dt.date:
    return timezone.localdate()


class Team:
    def __init__(self):
        org = OrgBuilder()
        self.org = org
        self.manager = org.person(unit=org.rnd, no="RD-M001", name="陈经理", role=Role.MANAGER, scope=org.rnd)
        self.admin = org.person(unit=org.rnd, no="RD-A001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
        self.employee = org.person(unit=org.platform, no="RD-0001", name="郑雨桐", manager=self.manager)
        self.outsider = org.person(unit=org.marketing, no="MK-0001", name="钱多多")
        self.course = course()
