"""A believable demo organisation: a company with departments, teams, positions and ~60 people.

Idempotent: everything is found by its number or path before it is made, so running it
again changes nothing.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from jifen.org import services
from jifen.org.models import OrgUnit, Person, Position, Role

DEMO_PASSWORD = "jifen-demo"  # noqa: S105 - printed on purpose: these are demo logins

POSITIONS = [
    # name, code, level, annual credit target
    ("总经理", "GM", "M5", 80),
    ("部门经理", "MGR", "M3", 120),
    ("团队主管", "LEAD", "M1", 130),
    ("高级软件工程师", "SSE", "P6", 150),
    ("软件工程师", "SE", "P4", 150),
    ("测试工程师", "QA", "P4", 150),
    ("产品经理", "PM", "P5", 140),
    ("销售代表", "SALES", "S3", 100),
    ("市场专员", "MKT", "S2", 100),
    ("人事专员", "HR", "S2", 120),
    ("培训专员", "TRN", "S3", 150),
    ("财务专员", "FIN", "S2", 120),
    ("生产技术员", "TECH", "T3", 100),
]

UNITS = [
    ("总部", OrgUnit.Kind.COMPANY),
    ("总部/研发中心", OrgUnit.Kind.DEPARTMENT),
    ("总部/研发中心/平台组", OrgUnit.Kind.TEAM),
    ("总部/研发中心/应用组", OrgUnit.Kind.TEAM),
    ("总部/研发中心/测试组", OrgUnit.Kind.TEAM),
    ("总部/市场部", OrgUnit.Kind.DEPARTMENT),
    ("总部/销售部", OrgUnit.Kind.DEPARTMENT),
    ("总部/销售部/华东大区", OrgUnit.Kind.TEAM),
    ("总部/销售部/华南大区", OrgUnit.Kind.TEAM),
    ("总部/人力资源部", OrgUnit.Kind.DEPARTMENT),
    ("总部/财务部", OrgUnit.Kind.DEPARTMENT),
    ("总部/生产部", OrgUnit.Kind.DEPARTMENT),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "文", "辉", "鑫", "思远", "子涵", "雨桐", "浩然", "一鸣", "欣怡", "晨", "佳怡"]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login: str
    name: str


# (number, name, unit path, position code, manager number, extra role, role scope path)
KEY_PEOPLE = [
    ("JF0001", "周建国", "总部", "GM", None, None, None),
    ("JF0002", "陈思远", "总部/研发中心", "MGR", "JF0001", Role.MANAGER, "总部/研发中心"),
    ("JF0003", "林晓雯", "总部/人力资源部", "TRN", "JF0008", Role.TRAINING_ADMIN, None),
    ("JF0004", "赵明华", "总部/财务部", "FIN", "JF0001", Role.HR_AUDITOR, None),
    ("JF0005", "孙立新", "总部/研发中心/平台组", "SSE", "JF0006", Role.TRAINER, None),
    ("JF0006", "吴海涛", "总部/研发中心/平台组", "LEAD", "JF0002", Role.MANAGER, "总部/研发中心/平台组"),
    ("JF0007", "郑雨桐", "总部/研发中心/平台组", "SE", "JF0006", None, None),
    ("JF0008", "何丽娟", "总部/人力资源部", "MGR", "JF0001", Role.MANAGER, "总部/人力资源部"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@transaction.atomic
def build_demo(*, password: str = DEMO_PASSWORD, people: int = 60) -> list[DemoLogin]:
    rng = random.Random(20260101)  # the same demo every time  # noqa: S311
    positions = {}
    for name, code, level, target in POSITIONS:
        position = Position.objects.filter(code=code).first()
        positions[code] = position or services.position_create(
            name=name, code=code, job_level=level, annual_credit_target=target
        )
    units = {}
    for path, kind in UNITS:
        unit = OrgUnit.objects.filter(name_path=path).first()
        if unit is None:
            parent = units.get(path.rsplit("/", 1)[0]) if "/" in path else None
            unit = services.unit_create(name=path.rsplit("/", 1)[-1], parent=parent, kind=kind)
        units[path] = unit

    def ensure_person(no, name, unit_path, position_code, manager_no, hire_date, status=Person.Status.ACTIVE):
        person = Person.objects.filter(employee_no=no).first()
        if person is not None:
            return person
        return services.person_create(
            employee_no=no, name=name, org_unit=units[unit_path], position=positions[position_code],
            manager=Person.objects.filter(employee_no=manager_no).first() if manager_no else None,
            hire_date=hire_date, status=status, email=f"{no.lower()}@demo.jifen.local",
            phone=f"138{rng.randint(10000000, 99999999)}", password=password,
        )

    # Managers first, so reports can point at them.
    for no, name, unit_path, position_code, manager_no, *_role in sorted(KEY_PEOPLE, key=lambda p: p[4] or ""):
        ensure_person(no, name, unit_path, position_code, manager_no, dt.date(2018, 3, 1))
    for no, *_details, role, scope_path in KEY_PEOPLE:
        person = Person.objects.get(employee_no=no)
        if role:
            services.role_grant(user=person.user, role=role, scope=units[scope_path] if scope_path else None)

    teams = [
        ("总部/研发中心/平台组", ["SE", "SSE", "SE"], "JF0006"),
        ("总部/研发中心/应用组", ["SE", "SE", "PM"], "JF0002"),
        ("总部/研发中心/测试组", ["QA"], "JF0002"),
        ("总部/市场部", ["MKT"], "JF0001"),
        ("总部/销售部/华东大区", ["SALES"], "JF0001"),
        ("总部/销售部/华南大区", ["SALES"], "JF0001"),
        ("总部/人力资源部", ["HR"], "JF0008"),
        ("总部/财务部", ["FIN"], "JF0004"),
        ("总部/生产部", ["TECH"], "JF0001"),
    ]
    number = 100
    while Person.objects.filter(employee_no__startswith="JF").count() < people:
        number += 1
        unit_path, codes, manager_no = teams[number % len(teams)]
        hired = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3800))
        status = Person.Status.ON_LEAVE if number % 29 == 0 else Person.Status.LEFT if number % 31 == 0 else Person.Status.ACTIVE
        ensure_person(f"JF{number:04d}", _name(rng), unit_path, rng.choice(codes), manager_no, hired, status)

    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_user(username="admin", password=password, first_name="系统管理员",
                                         email="admin@demo.jifen.local", is_staff=True)
    services.role_grant(user=admin, role=Role.SYSTEM_ADMIN)

    return [
        DemoLogin(str(Role.SYSTEM_ADMIN.label), "admin", "系统管理员"),
        DemoLogin(str(Role.TRAINING_ADMIN.label), "JF0003", "林晓雯"),
        DemoLogin(str(Role.HR_AUDITOR.label), "JF0004", "赵明华"),
        DemoLogin(str(Role.MANAGER.label), "JF0002", "陈思远"),
        DemoLogin(str(Role.TRAINER.label), "JF0005", "孙立新"),
        DemoLogin(str(_("Learner")), "JF0007", "郑雨桐"),
    ]
