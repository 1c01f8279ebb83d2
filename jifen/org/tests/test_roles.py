"""Roles: who holds which role over which part of the organisation, and what that adds up to."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from jifen.core.errors import ApplicationError
from jifen.org import services
from jifen.org.models import Person, Role, RoleAssignment
from jifen.org.permissions import Perm, access_for_user

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------- granting


def test_a_manager_role_needs_an_org_unit(org):
    person = org.person()
    with pytest.raises(ApplicationError) as refused:
        services.role_grant(user=person.user, role=Role.MANAGER, scope=None)
    assert refused.value.field == "scope"
    assert not RoleAssignment.objects.filter(user=person.user).exists()


def test_the_database_itself_refuses_a_manager_role_without_a_unit(org):
    person = org.person()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=person.user, role=Role.MANAGER, scope=None)


def test_an_unknown_role_is_refused(org):
    with pytest.raises(ApplicationError):
        services.role_grant(user=org.person().user, role="emperor")


def test_granting_the_same_role_twice_gives_one_assignment(org):
    user = org.person().user
    first = services.role_grant(user=user, role=Role.TRAINER)
    again = services.role_grant(user=user, role=Role.TRAINER)
    scoped = services.role_grant(user=user, role=Role.MANAGER, scope=org.rnd)
    assert first.pk == again.pk
    assert services.role_grant(user=user, role=Role.MANAGER, scope=org.rnd).pk == scoped.pk
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_a_system_admin_grants_a_role_on_the_person_page(client, org):
    person = org.person()
    client.force_login(org.system_admin())
    response = client.post(reverse("org:role_grant", args=[person.pk]),
                           {"role": Role.MANAGER, "scope": org.platform.pk})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=person.user, role=Role.MANAGER, scope=org.platform).exists()


def test_a_manager_role_without_a_unit_is_refused_on_the_person_page(client, org):
    person = org.person()
    client.force_login(org.system_admin())
    response = client.post(reverse("org:role_grant", args=[person.pk]), {"role": Role.MANAGER, "scope": ""},
                           follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not RoleAssignment.objects.filter(user=person.user).exists()


def test_granting_a_role_to_someone_without_a_login_makes_one(client, org):
    person = org.person()
    person.user.delete()  # as after a bulk load of the roster: a record, no login
    person.refresh_from_db()
    assert person.user is None
    client.force_login(org.system_admin())
    client.post(reverse("org:role_grant", args=[person.pk]), {"role": Role.TRAINER, "scope": ""})
    person.refresh_from_db()
    assert person.user is not None
    assert RoleAssignment.objects.filter(user=person.user, role=Role.TRAINER).exists()


# ---------------------------------------------------------------- the last system admin


def test_the_last_system_admin_cannot_be_removed(org):
    admin = org.system_admin()
    with pytest.raises(ApplicationError):
        services.role_revoke(assignment=RoleAssignment.objects.get(user=admin))
    assert RoleAssignment.objects.filter(user=admin, role=Role.SYSTEM_ADMIN).exists()


def test_a_system_admin_can_be_removed_while_another_remains(org):
    first, second = org.system_admin(), org.system_admin()
    services.role_revoke(assignment=RoleAssignment.objects.get(user=first))
    assert list(RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN).values_list("user", flat=True)) == [second.pk]
    with pytest.raises(ApplicationError):
        services.role_revoke(assignment=RoleAssignment.objects.get(user=second))


def test_a_system_admin_whose_login_is_switched_off_does_not_count_as_the_other_one(org):
    active = org.system_admin()
    departed = org.person(role=Role.SYSTEM_ADMIN)
    services.person_update(person=departed, status=Person.Status.LEFT)
    with pytest.raises(ApplicationError):
        services.role_revoke(assignment=RoleAssignment.objects.get(user=active))
    assert access_for_user(User.objects.get(pk=active.pk)).has(Perm.ROLES_MANAGE)


def test_a_superuser_login_counts_as_a_remaining_system_admin(org):
    User.objects.create_superuser(username="root", password="a very long password")
    admin = org.system_admin()
    services.role_revoke(assignment=RoleAssignment.objects.get(user=admin))
    assert not RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN).exists()


def test_removing_the_last_system_admin_on_the_page_is_refused_with_a_message(client, org):
    admin_person = org.person(role=Role.SYSTEM_ADMIN)
    assignment = RoleAssignment.objects.get(user=admin_person.user)
    client.force_login(admin_person.user)
    response = client.post(reverse("org:role_revoke", args=[admin_person.pk, assignment.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


# ---------------------------------------------------------------- scopes add up


def test_a_manager_of_two_subtrees_sees_both(client, org):
    sales = services.unit_create(name="销售部", parent=org.root)
    in_platform = org.person(unit=org.platform, name="平台的人")
    in_marketing = org.person(unit=org.marketing, name="市场的人")
    in_sales = org.person(unit=sales, name="销售的人")
    manager = org.manager_of(org.platform)
    services.role_grant(user=manager.user, role=Role.MANAGER, scope=org.marketing)

    access = access_for_user(manager.user)
    assert set(access.people(Perm.PEOPLE_VIEW)) == {in_platform, in_marketing, manager}
    client.force_login(manager.user)
    body = client.get(reverse("org:people")).content.decode()
    assert "平台的人" in body and "市场的人" in body and "销售的人" not in body
    tree = client.get(reverse("org:units")).content.decode()
    assert "平台组" in tree and "市场部" in tree and "销售部" not in tree
    assert client.get(reverse("org:person", args=[in_sales.pk])).status_code == 404


def test_a_scope_inside_another_adds_nothing(org):
    manager = org.manager_of(org.rnd)
    services.role_grant(user=manager.user, role=Role.MANAGER, scope=org.platform)
    assert access_for_user(manager.user).scope(Perm.PEOPLE_VIEW).unit_paths == {org.rnd.path}


def test_a_subtree_role_and_a_whole_organisation_role_add_up_to_the_whole_organisation(org):
    outsider = org.person(unit=org.marketing)
    manager = org.manager_of(org.platform)
    services.role_grant(user=manager.user, role=Role.HR_AUDITOR)
    access = access_for_user(manager.user)
    assert outsider in access.people(Perm.PEOPLE_VIEW)
    assert not access.has(Perm.PEOPLE_MANAGE)


def test_roles_add_permissions_not_just_scope(org):
    person = org.manager_of(org.rnd)
    services.role_grant(user=person.user, role=Role.TRAINING_ADMIN, scope=org.platform)
    access = access_for_user(person.user)
    assert access.can_unit(Perm.ORG_VIEW, org.rnd)
    assert access.can_unit(Perm.ORG_MANAGE, org.platform)
    assert not access.can_unit(Perm.ORG_MANAGE, org.rnd)


def test_a_scope_follows_its_unit_when_the_unit_moves(client, org):
    manager = org.manager_of(org.platform)
    services.unit_move(unit=org.platform, new_parent=org.marketing)
    newcomer = org.person(unit=org.marketing, name="新来的")
    inside = org.person(unit=org.platform, name="组里的")
    people = set(access_for_user(manager.user).people(Perm.PEOPLE_VIEW))
    assert inside in people and newcomer not in people


def test_removing_a_role_takes_effect_on_the_next_request(client, org):
    manager = org.manager_of(org.rnd)
    client.force_login(manager.user)
    assert client.get(reverse("org:units")).status_code == 200
    services.role_revoke(assignment=RoleAssignment.objects.get(user=manager.user, role=Role.MANAGER))
    assert client.get(reverse("org:units")).status_code == 403


def test_a_login_with_no_person_and_no_role_sees_nothing_but_home(client, db):
    user = User.objects.create_user(username="visitor", password="a very long password")
    client.force_login(user)
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("org:people")).status_code == 403
    assert client.get("/api/v1/people").status_code == 403
