"""The demo organisation: believable, the same every time, and never mixed into a real roster."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jifen.org import services
from jifen.org.demo import DEMO_PASSWORD
from jifen.org.models import OrgUnit, Person, Position, Role, RoleAssignment
from jifen.org.permissions import access_for_user

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "units": OrgUnit.objects.count(),
        "positions": Position.objects.count(),
        "logins": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
    }


def run_demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_is_a_company_of_about_sixty_people_in_several_departments(db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    run_demo()
    assert 55 <= Person.objects.count() <= 65
    # its year so far: some people already at their credit target, most on their way (dashboards have a story)
    from jifen.reports.dashboards.selectors import credit_standings

    standings = credit_standings(Person.objects.exclude(status=Person.Status.LEFT), year=timezone.localdate().year)
    at_target = sum(s.at_target for s in standings)
    if timezone.localdate().month >= 5:
        assert 0 < at_target < len(standings) / 2
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).count() >= 5
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.COMPANY).count() == 1
    assert Person.objects.filter(status=Person.Status.LEFT).exists()
    assert Person.objects.filter(manager__isnull=False).count() >= 50


def test_running_the_demo_twice_changes_nothing(db):
    run_demo()
    first = counts()
    names = sorted(Person.objects.values_list("employee_no", "name", "org_unit__name_path"))
    run_demo()
    assert counts() == first
    assert sorted(Person.objects.values_list("employee_no", "name", "org_unit__name_path")) == names


def test_the_demo_has_a_login_for_every_role(db):
    output = run_demo()
    assert DEMO_PASSWORD in output
    expected = {
        "admin": Role.SYSTEM_ADMIN, "JF0003": Role.TRAINING_ADMIN, "JF0004": Role.HR_AUDITOR,
        "JF0002": Role.MANAGER, "JF0005": Role.TRAINER, "JF0007": "learner",
    }
    for login, role in expected.items():
        assert login in output
        client = Client()
        client.post("/accounts/login/", {"username": login, "password": DEMO_PASSWORD})
        assert "_auth_user_id" in client.session, login
        access = access_for_user(User.objects.get(username=login))
        assert role in access.roles, (login, access.roles)
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)


def test_the_demo_manager_sees_only_their_department(db):
    run_demo()
    manager = User.objects.get(username="JF0002")
    client = Client()
    client.force_login(manager)
    items = client.get("/api/v1/people", {"page_size": 100}).json()["items"]
    assert items and all(item["org_unit_path"].startswith("总部/研发中心") for item in items)


def test_the_demo_is_not_loaded_into_a_real_roster(org):
    org.person(no="E0001", name="真实员工")
    before = counts()
    output = run_demo("--if-empty")
    assert counts() == before
    assert not Person.objects.filter(employee_no__startswith="JF").exists()
    assert output.strip()


def test_the_demo_is_loaded_into_an_empty_roster_and_not_twice(db):
    run_demo("--if-empty")
    loaded = counts()
    assert loaded["people"] >= 55
    run_demo("--if-empty")
    assert counts() == loaded


def test_the_demo_leaves_alone_units_and_positions_that_already_exist(db):
    root = services.unit_create(name="总部", kind=OrgUnit.Kind.COMPANY)
    services.position_create(name="总经理", code="GM", annual_credit_target=80)
    run_demo()
    assert OrgUnit.objects.filter(name_path="总部").get().pk == root.pk
    assert Position.objects.filter(code="GM").count() == 1
