"""Positions: names, codes and the annual credit target whoever holds the position must reach."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from jifen.core.errors import ApplicationError
from jifen.org import selectors, services
from jifen.org.models import Person, Position


def test_a_position_keeps_its_credit_target_to_one_decimal(db):
    position = services.position_create(name="测试工程师", code="QA", job_level="P4", annual_credit_target="120.5")
    assert Position.objects.get(pk=position.pk).annual_credit_target == Decimal("120.5")


@pytest.mark.parametrize("target", ["-1", "100000.1", "abc", "", None, "NaN", "Infinity"])
def test_a_credit_target_must_be_a_number_from_0_to_100000(db, target):
    with pytest.raises(ApplicationError) as refused:
        services.position_create(name="测试工程师", annual_credit_target=target)
    assert refused.value.field == "annual_credit_target"
    assert not Position.objects.exists()


@pytest.mark.parametrize("target", ["0", "100000", 150, Decimal("99.9")])
def test_credit_targets_at_the_edges_are_accepted(db, target):
    assert services.position_create(name="岗位", annual_credit_target=target).annual_credit_target == Decimal(
        str(target))


def test_the_database_itself_refuses_a_negative_target(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(name="坏岗位", annual_credit_target=Decimal("-5"))


def test_two_positions_cannot_share_a_name(db):
    services.position_create(name="软件工程师", annual_credit_target=150)
    with pytest.raises(ApplicationError) as clash:
        services.position_create(name="  软件工程师 ", annual_credit_target=100)
    assert clash.value.field == "name"
    assert Position.objects.count() == 1


def test_two_positions_cannot_share_a_code_but_many_may_have_none(db):
    services.position_create(name="软件工程师", code="SE")
    services.position_create(name="实习生")
    services.position_create(name="顾问")
    with pytest.raises(ApplicationError) as clash:
        services.position_create(name="高级软件工程师", code="SE")
    assert clash.value.field == "code"


def test_a_position_needs_a_name(db):
    with pytest.raises(ApplicationError):
        services.position_create(name="   ")


def test_updating_a_position_may_keep_its_own_name_but_not_take_anothers(db):
    se = services.position_create(name="软件工程师", code="SE", annual_credit_target=150)
    services.position_create(name="测试工程师", code="QA")
    updated = services.position_update(position=se, name="软件工程师", code="SE", annual_credit_target=160)
    assert updated.annual_credit_target == Decimal(160)
    with pytest.raises(ApplicationError):
        services.position_update(position=se, name="测试工程师", code="SE", annual_credit_target=160)
    assert Position.objects.get(pk=se.pk).name == "软件工程师"


def test_a_position_taken_out_of_use_keeps_its_holders_and_leaves_the_choices(client, org):
    holder = org.person(position=org.engineer)
    services.position_update(position=org.engineer, name=org.engineer.name, code="SE",
                             annual_credit_target=150, is_active=False)
    assert Person.objects.get(pk=holder.pk).position == org.engineer
    client.force_login(org.system_admin())
    form = client.get(reverse("org:person_create")).context["form"]
    assert org.engineer not in form.fields["position"].queryset


def test_the_positions_list_counts_the_people_who_hold_each_position(org):
    org.person(position=org.engineer)
    org.person(position=org.engineer)
    org.person(position=org.engineer, status=Person.Status.LEFT)
    counts = {p.name: p.head_count for p in selectors.position_list()}
    assert counts == {"软件工程师": 2}


def test_the_position_form_refuses_a_negative_target(client, org):
    client.force_login(org.system_admin())
    response = client.post(reverse("org:position_create"),
                           {"name": "新岗位", "code": "", "job_level": "", "annual_credit_target": "-3"})
    assert response.status_code == 200
    assert response.context["form"].errors["annual_credit_target"]
    assert not Position.objects.filter(name="新岗位").exists()


def test_a_duplicate_position_name_on_the_page_is_shown_on_the_name_field(client, org):
    client.force_login(org.system_admin())
    response = client.post(reverse("org:position_create"),
                           {"name": "软件工程师", "code": "", "job_level": "", "annual_credit_target": "10"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_editing_a_position_that_does_not_exist_is_not_found(client, org):
    client.force_login(org.system_admin())
    assert client.get(reverse("org:position_edit", args=[999999])).status_code == 404
