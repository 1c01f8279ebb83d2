"""Test data built through the real services, so tests exercise the same rules as users do."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from jifen.org import services
from jifen.org.models import OrgUnit, Person, Position, Role

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


class OrgBuilder:
    """总部 with two departments, 研发中心 (with 平台组) and 市场部, and one position."""

    def __init__(self):
        self.root = services.unit_create(name="总部", kind=OrgUnit.Kind.COMPANY)
        self.rnd = services.unit_create(name="研发中心", parent=self.root)
        self.platform = services.unit_create(name="平台组", parent=self.rnd, kind=OrgUnit.Kind.TEAM)
        self.marketing = services.unit_create(name="市场部", parent=self.root)
        self.engineer = services.position_create(name="软件工程师", code="SE", annual_credit_target=150)

    def person(self, *, unit: OrgUnit | None = None, name: str | None = None, no: str | None = None,
               position: Position | None = None, manager: Person | None = None,
               status: str = Person.Status.ACTIVE, role: str | None = None, scope: OrgUnit | None = None,
               **extra) -> Person:
        n = next(_numbers)
        person = services.person_create(
            employee_no=no or f"T{n:05d}", name=name or f"测试{n}", org_unit=unit or self.platform,
            position=position or self.engineer, manager=manager, status=status, password=PASSWORD, **extra,
        )
        if role:
            services.role_grant(user=person.user, role=role, scope=scope)
        return person

    def manager_of(self, unit: OrgUnit, **kwargs) -> Person:
        return self.person(unit=unit, role=Role.MANAGER, scope=unit, **kwargs)

    def system_admin(self):
        user = get_user_model().objects.create_user(username=f"sys{next(_numbers)}", password=PASSWORD)
        services.role_grant(user=user, role=Role.SYSTEM_ADMIN)
        return user
