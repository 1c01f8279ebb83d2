"""Roles are granted and removed through the API with the person page's checks, and only by admin tokens."""

import pytest

from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.api.tokens import scope_needed
from jifen.org.models import Role, RoleAssignment


@pytest.fixture
def admin(org):
    return org.person(no="SA0001", role=Role.SYSTEM_ADMIN)


def test_an_administrator_makes_someone_a_manager_of_a_department_and_takes_it_back(client, admin, org):
    person = org.person(no="E0001")
    headers = bearer(admin.user, "admin")
    granted = send(client, "post", f"/people/{person.pk}/roles", {"role": "manager", "scope_id": org.rnd.pk},
                   **headers)
    assert granted.status_code == 201 and granted.json()["scope_id"] == org.rnd.pk
    assert [r["role"] for r in send(client, "get", f"/people/{person.pk}/roles", **headers).json()] == ["manager"]
    removed = send(client, "delete", f"/people/{person.pk}/roles/{granted.json()['id']}", **headers)
    assert removed.status_code == 204
    assert not RoleAssignment.objects.filter(user=person.user).exists()


def test_a_write_token_cannot_grant_roles(client, admin, org):
    person = org.person(no="E0001")
    is_problem(send(client, "post", f"/people/{person.pk}/roles", {"role": "system_admin"},
                    **bearer(admin.user, "write")), 403)
    assert not RoleAssignment.objects.filter(user=person.user).exists()


def test_a_manager_cannot_grant_roles_even_with_an_admin_token(client, org):
    manager = org.manager_of(org.rnd)
    person = org.person(no="E0001")
    is_problem(send(client, "post", f"/people/{person.pk}/roles", {"role": "system_admin"},
                    **bearer(manager.user, "admin")), 403)


def test_configuration_needs_admin_scope_and_facts_need_write_scope():
    assert scope_needed("GET", "people/3/roles") == "read"
    assert scope_needed("POST", "people/3/roles") == "admin"
    assert scope_needed("PATCH", "people/3") == "admin"
    assert scope_needed("POST", "org/units") == "admin"
    assert scope_needed("POST", "rewards") == "admin"
    assert scope_needed("DELETE", "tokens/4") == "admin"
    assert scope_needed("POST", "redemptions") == "write"
    assert scope_needed("POST", "events") == "write"
    assert scope_needed("POST", "people/E0001/entries") == "write"
