"""People: numbers, managers, e-mail addresses, leaving, and the login that follows each person."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.core.errors import ApplicationError
from jifen.org import services
from jifen.org.models import Person, Role
from jifen.org.tests.factories import PASSWORD

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def can_log_in(username: str, password: str = PASSWORD) -> bool:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def fresh(person: Person) -> Person:
    return Person.objects.select_related("user").get(pk=person.pk)


# ---------------------------------------------------------------- numbers


def test_every_person_gets_a_login_named_after_their_number(org):
    person = org.person(no="E1001", email="Wang.Wei@Example.com")
    assert person.user.username == "E1001"
    assert person.user.email == "wang.wei@example.com"
    assert person.user.is_active


def test_a_person_added_without_a_password_has_a_login_that_cannot_be_used_yet(org):
    person = services.person_create(employee_no="E2001", name="王伟", org_unit=org.platform)
    assert person.user is not None and not person.user.has_usable_password()


def test_two_people_cannot_share_a_number(org):
    org.person(no="E1001")
    with pytest.raises(ApplicationError) as clash:
        org.person(no=" E1001 ")
    assert clash.value.field == "employee_no"
    assert Person.objects.filter(employee_no="E1001").count() == 1


def test_the_database_itself_refuses_a_duplicate_number(org):
    org.person(no="E1001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(employee_no="E1001", name="重复", org_unit=org.platform)


def test_a_person_needs_a_number_a_name_and_a_unit(org):
    with pytest.raises(ApplicationError):
        services.person_create(employee_no="  ", name="王伟", org_unit=org.platform)
    with pytest.raises(ApplicationError):
        services.person_create(employee_no="E1", name="  ", org_unit=org.platform)
    assert not Person.objects.exists()


def test_changing_a_persons_number_renames_their_login(org):
    person = org.person(no="E1001")
    services.person_update(person=person, employee_no="E9001")
    user = User.objects.get(pk=person.user_id)
    assert user.username == "E9001"
    assert can_log_in("E9001")
    assert not can_log_in("E1001")


def test_a_number_cannot_be_changed_to_the_login_name_of_someone_without_a_record(org):
    User.objects.create_user(username="admin", password=PASSWORD)
    person = org.person(no="E1001")
    with pytest.raises(ApplicationError):
        services.person_update(person=person, employee_no="admin")
    assert fresh(person).employee_no == "E1001"


# ---------------------------------------------------------------- e-mail


def test_email_addresses_are_unique_whatever_their_case(org):
    org.person(email="li.na@example.com")
    with pytest.raises(ApplicationError) as clash:
        org.person(email="LI.NA@Example.COM")
    assert clash.value.field == "email"


def test_an_email_is_stored_in_lower_case(org):
    assert org.person(email="  Li.Na@Example.COM ").email == "li.na@example.com"


def test_an_email_used_by_a_login_without_a_record_is_refused_too(org):
    User.objects.create_user(username="ops", email="ops@example.com", password=PASSWORD)
    with pytest.raises(ApplicationError):
        org.person(email="OPS@example.com")
    assert not Person.objects.filter(email="ops@example.com").exists()


def test_the_database_itself_refuses_logins_sharing_an_email_in_another_case(db):
    User.objects.create_user(username="a", email="x@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="b", email="X@EXAMPLE.COM")


def test_many_people_may_have_no_email(org):
    org.person(email="")
    org.person(email="")
    assert Person.objects.filter(email="").count() == 2


# ---------------------------------------------------------------- managers


def test_a_person_cannot_be_their_own_manager(org):
    person = org.person()
    with pytest.raises(ApplicationError) as refused:
        services.person_update(person=person, manager=person)
    assert refused.value.field == "manager"


def test_a_chain_of_managers_cannot_loop_back(org):
    a = org.person(name="甲")
    b = org.person(name="乙", manager=a)
    c = org.person(name="丙", manager=b)
    with pytest.raises(ApplicationError) as refused:
        services.person_update(person=a, manager=c)  # A→C→B→A
    assert "丙" in refused.value.message
    assert fresh(a).manager_id is None


def test_a_long_chain_of_managers_without_a_loop_is_fine(org):
    boss = org.person()
    current = boss
    for _ in range(10):
        current = org.person(manager=current)
    newcomer = org.person()
    assert services.person_update(person=newcomer, manager=current).manager_id == current.pk


def test_direct_reports_are_listed_on_the_managers_page(client, org):
    boss = org.person(name="吴海涛", role=Role.MANAGER, scope=org.rnd)
    org.person(name="郑雨桐", manager=boss)
    client.force_login(boss.user)
    body = client.get(reverse("org:person", args=[boss.pk])).content.decode()
    assert "郑雨桐" in body


# ---------------------------------------------------------------- leaving


def test_a_person_who_leaves_keeps_their_record_and_loses_their_login(org):
    person = org.person(no="E1001")
    services.person_update(person=person, status=Person.Status.LEFT)
    person = fresh(person)
    assert person.status == Person.Status.LEFT
    assert person.left_on == timezone.localdate()
    assert person.user is not None and not person.user.is_active
    assert not can_log_in("E1001")


def test_someone_who_left_cannot_log_in_on_the_login_page(client, org):
    person = org.person(no="E1001")
    services.person_update(person=person, status=Person.Status.LEFT)
    response = client.post(reverse("accounts:login"), {"username": "E1001", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_someone_who_comes_back_gets_their_login_back(org):
    person = org.person()
    services.person_update(person=person, status=Person.Status.LEFT)
    services.person_update(person=person, status=Person.Status.ACTIVE)
    person = fresh(person)
    assert person.left_on is None and person.user.is_active


def test_leaving_twice_keeps_the_first_leaving_date(org):
    person = org.person()
    services.person_update(person=person, status=Person.Status.LEFT)
    Person.objects.filter(pk=person.pk).update(left_on=dt.date(2024, 6, 30))
    services.person_update(person=person, status=Person.Status.LEFT, phone="1")
    assert fresh(person).left_on == dt.date(2024, 6, 30)


def test_someone_on_leave_can_still_log_in(org):
    person = org.person(no="E1001")
    services.person_update(person=person, status=Person.Status.ON_LEAVE)
    assert can_log_in("E1001")


def test_a_person_added_as_already_left_has_a_leaving_date_and_no_working_login(org):
    person = org.person(status=Person.Status.LEFT)
    assert person.left_on == timezone.localdate()
    assert not fresh(person).user.is_active


# ---------------------------------------------------------------- through the pages


def test_a_training_admin_adds_a_person_on_the_page(client, org):
    admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    response = client.post(reverse("org:person_create"), {
        "employee_no": "E5001", "name": "新同事", "org_unit": org.platform.pk, "position": org.engineer.pk,
        "manager": admin.employee_no, "hire_date": "2025-03-01", "status": "active",
        "email": "new@example.com", "phone": "",
    })
    created = Person.objects.get(employee_no="E5001")
    assert response.status_code == 302 and response["Location"] == reverse("org:person", args=[created.pk])
    assert created.manager == admin and created.user.username == "E5001"


def test_a_duplicate_number_on_the_page_is_shown_on_the_number_field(client, org):
    org.person(no="E1001")
    client.force_login(org.system_admin())
    response = client.post(reverse("org:person_create"), {
        "employee_no": "E1001", "name": "重复", "org_unit": org.platform.pk, "position": "", "manager": "",
        "hire_date": "", "status": "active", "email": "", "phone": "",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["employee_no"]


def test_a_training_admin_sets_a_new_password_for_someone(client, org):
    person = org.person(no="E1001")
    client.force_login(org.system_admin())
    client.post(reverse("org:person_password", args=[person.pk]), {"password": "a new pass phrase"})
    assert can_log_in("E1001", "a new pass phrase")
    assert not can_log_in("E1001", PASSWORD)
