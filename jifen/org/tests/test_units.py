"""Org units: create, rename, move, archive and restore, and what each does to the units below."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from jifen.core.errors import ApplicationError
from jifen.org import selectors, services
from jifen.org.models import OrgUnit, Person, Role


def name_paths(unit: OrgUnit) -> list[str]:
    return list(OrgUnit.objects.filter(path__startswith=unit.path).order_by("path").values_list("name_path", flat=True))


def fresh(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.pk)


# ---------------------------------------------------------------- create


def test_a_new_unit_gets_its_full_name_from_its_parents(org):
    backend = services.unit_create(name="后端组", parent=org.platform, kind=OrgUnit.Kind.TEAM)
    assert backend.name_path == "总部/研发中心/平台组/后端组"
    assert backend.get_parent() == org.platform
    assert fresh(org.platform).get_children_count() == 1


def test_a_unit_name_is_trimmed_and_may_not_be_empty_or_contain_a_slash(org):
    assert services.unit_create(name="  质量部  ", parent=org.root).name == "质量部"
    with pytest.raises(ApplicationError) as empty:
        services.unit_create(name="   ", parent=org.root)
    assert empty.value.field == "name"
    with pytest.raises(ApplicationError):
        services.unit_create(name="研发/测试", parent=org.root)
    with pytest.raises(ApplicationError):
        services.unit_create(name="长" * 101, parent=org.root)


def test_two_units_under_the_same_parent_cannot_share_a_name(org):
    with pytest.raises(ApplicationError) as clash:
        services.unit_create(name="市场部", parent=org.root)
    assert "总部/市场部" in clash.value.message
    assert OrgUnit.objects.filter(name="市场部").count() == 1


def test_the_same_name_is_fine_under_different_parents(org):
    a = services.unit_create(name="综合组", parent=org.rnd)
    b = services.unit_create(name="综合组", parent=org.marketing)
    assert {a.name_path, b.name_path} == {"总部/研发中心/综合组", "总部/市场部/综合组"}


def test_the_database_itself_refuses_a_duplicate_full_name(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.filter(pk=org.marketing.pk).update(name_path=org.rnd.name_path)


def test_no_unit_can_be_added_under_an_archived_unit(org):
    services.unit_archive(unit=org.marketing)
    with pytest.raises(ApplicationError):
        services.unit_create(name="品牌组", parent=fresh(org.marketing))


def test_ensuring_a_path_creates_only_what_is_missing(org):
    before = OrgUnit.objects.count()
    unit = services.unit_ensure_path(name_path="总部/研发中心/平台组/后端组/数据库")
    assert unit.name_path == "总部/研发中心/平台组/后端组/数据库"
    assert OrgUnit.objects.count() == before + 2
    assert services.unit_ensure_path(name_path="总部 / 研发中心 / 平台组").pk == org.platform.pk
    with pytest.raises(ApplicationError):
        services.unit_ensure_path(name_path="总部//平台组")


# ---------------------------------------------------------------- rename


def test_renaming_a_unit_renames_the_full_name_of_everything_below_it(org):
    backend = services.unit_create(name="后端组", parent=org.platform)
    services.unit_create(name="数据库", parent=backend)
    services.unit_rename(unit=org.rnd, name="技术中心")
    assert name_paths(fresh(org.rnd)) == [
        "总部/技术中心", "总部/技术中心/平台组", "总部/技术中心/平台组/后端组", "总部/技术中心/平台组/后端组/数据库",
    ]
    assert fresh(org.marketing).name_path == "总部/市场部"


def test_a_rename_to_a_siblings_name_is_refused_and_changes_nothing(org):
    with pytest.raises(ApplicationError):
        services.unit_rename(unit=org.rnd, name="市场部")
    assert fresh(org.rnd).name == "研发中心"
    assert name_paths(fresh(org.rnd)) == ["总部/研发中心", "总部/研发中心/平台组"]


def test_renaming_a_unit_to_its_own_name_is_a_harmless_no_op(org):
    assert services.unit_rename(unit=org.rnd, name=" 研发中心 ").name_path == "总部/研发中心"


def test_a_rename_can_take_a_name_a_unit_below_already_uses(org):
    # 研发中心/平台组 → 平台组/平台组: the full names inside the subtree shift without clashing.
    services.unit_rename(unit=org.rnd, name="平台组")
    assert name_paths(fresh(org.rnd)) == ["总部/平台组", "总部/平台组/平台组"]


def test_renaming_the_top_unit_renames_the_whole_organisation(org):
    services.unit_rename(unit=org.root, name="集团")
    assert set(OrgUnit.objects.values_list("name_path", flat=True)) == {
        "集团", "集团/研发中心", "集团/研发中心/平台组", "集团/市场部"}


# ---------------------------------------------------------------- move


def test_moving_a_unit_takes_its_whole_subtree_along(org):
    backend = services.unit_create(name="后端组", parent=org.platform)
    person = org.person(unit=backend)
    services.unit_move(unit=org.platform, new_parent=org.marketing)
    assert name_paths(fresh(org.marketing)) == ["总部/市场部", "总部/市场部/平台组", "总部/市场部/平台组/后端组"]
    assert list(selectors.people_in_subtree(fresh(org.marketing))) == [person]
    assert not selectors.people_in_subtree(fresh(org.rnd)).exists()


def test_a_unit_cannot_move_under_itself_or_below_itself(org):
    backend = services.unit_create(name="后端组", parent=org.platform)
    for target in (org.rnd, org.platform, backend):
        with pytest.raises(ApplicationError):
            services.unit_move(unit=org.rnd, new_parent=fresh(target))
    assert name_paths(fresh(org.rnd)) == ["总部/研发中心", "总部/研发中心/平台组", "总部/研发中心/平台组/后端组"]


def test_a_move_next_to_a_unit_of_the_same_name_is_refused(org):
    services.unit_create(name="平台组", parent=org.marketing)
    with pytest.raises(ApplicationError):
        services.unit_move(unit=org.platform, new_parent=org.marketing)
    assert fresh(org.platform).name_path == "总部/研发中心/平台组"


def test_a_unit_cannot_move_into_an_archived_unit(org):
    services.unit_archive(unit=org.marketing)
    with pytest.raises(ApplicationError):
        services.unit_move(unit=org.platform, new_parent=fresh(org.marketing))


def test_a_unit_can_move_to_the_top_level_and_back(org):
    moved = services.unit_move(unit=org.rnd, new_parent=None)
    assert moved.depth == 1 and name_paths(moved) == ["研发中心", "研发中心/平台组"]
    back = services.unit_move(unit=moved, new_parent=fresh(org.root))
    assert name_paths(back) == ["总部/研发中心", "总部/研发中心/平台组"]


def test_moving_a_unit_to_where_it_already_is_changes_nothing(org):
    assert services.unit_move(unit=org.platform, new_parent=org.rnd).path == org.platform.path


# ---------------------------------------------------------------- archive and restore


def test_a_unit_with_people_in_its_subtree_cannot_be_archived(org):
    org.person(unit=org.platform)
    with pytest.raises(ApplicationError) as refused:
        services.unit_archive(unit=org.rnd)
    assert "1" in refused.value.message
    assert not OrgUnit.objects.filter(archived_at__isnull=False).exists()


def test_people_who_left_do_not_stop_a_unit_being_archived(org):
    org.person(unit=org.platform, status=Person.Status.LEFT)
    assert services.unit_archive(unit=org.rnd).is_archived


def test_archiving_a_unit_archives_everything_below_it(org):
    services.unit_create(name="后端组", parent=org.platform)
    services.unit_archive(unit=org.rnd)
    archived = set(OrgUnit.objects.filter(archived_at__isnull=False).values_list("name_path", flat=True))
    assert archived == {"总部/研发中心", "总部/研发中心/平台组", "总部/研发中心/平台组/后端组"}
    assert not fresh(org.marketing).is_archived


def test_nobody_can_be_placed_in_an_archived_unit(org):
    services.unit_archive(unit=org.marketing)
    with pytest.raises(ApplicationError):
        org.person(unit=fresh(org.marketing))


def test_restoring_a_unit_restores_its_subtree(org):
    services.unit_archive(unit=org.rnd)
    services.unit_restore(unit=fresh(org.rnd))
    assert not OrgUnit.objects.filter(archived_at__isnull=False).exists()


def test_a_unit_under_an_archived_parent_cannot_be_restored_alone(org):
    services.unit_archive(unit=org.rnd)
    with pytest.raises(ApplicationError):
        services.unit_restore(unit=fresh(org.platform))
    assert fresh(org.platform).is_archived


def test_archived_units_are_hidden_from_the_tree_unless_asked_for(client, org):
    services.unit_archive(unit=org.marketing)
    admin = org.system_admin()
    client.force_login(admin)
    children = client.get(reverse("org:unit_children", args=[org.root.pk])).content.decode()
    assert "研发中心" in children and "市场部" not in children
    shown = client.get(reverse("org:unit_children", args=[org.root.pk]), {"archived": "1"}).content.decode()
    assert "市场部" in shown


# ---------------------------------------------------------------- through the pages


def test_a_training_admin_renames_moves_and_archives_units_from_the_unit_page(client, org):
    admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    team = services.unit_create(name="临时组", parent=org.platform)

    client.post(reverse("org:unit_rename", args=[team.pk]), {"name": "专项组"})
    assert fresh(team).name_path == "总部/研发中心/平台组/专项组"

    client.post(reverse("org:unit_move", args=[team.pk]), {"parent": org.rnd.pk})
    assert fresh(team).name_path == "总部/研发中心/专项组"

    client.post(reverse("org:unit_archive", args=[team.pk]))
    assert fresh(team).is_archived
    client.post(reverse("org:unit_archive", args=[team.pk]), {"restore": "1"})
    assert not fresh(team).is_archived


def test_a_refused_archive_is_explained_on_the_unit_page(client, org):
    org.person(unit=org.platform)
    client.force_login(org.system_admin())
    response = client.post(reverse("org:unit_archive", args=[org.rnd.pk]), follow=True)
    assert response.status_code == 200
    assert not fresh(org.rnd).is_archived
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_creating_a_unit_on_the_page_shows_a_name_clash_on_the_name_field(client, org):
    client.force_login(org.system_admin())
    response = client.post(reverse("org:unit_create"),
                           {"name": "市场部", "kind": "department", "code": "", "parent": org.root.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert OrgUnit.objects.filter(name="市场部").count() == 1
