"""A person's unit and the unit's whole subtree stay cheap to query at 100,000 people.

Two things make that true, and both are checked here at two sizes of organisation:

* every page and API list asks the database a fixed number of questions, however many people
  and units there are (no query per row, no query per unit);
* "everyone in this subtree" is one prefix match on the unit's materialised path, done inside
  the database (a LIKE / subquery), never a Python list of unit or person ids.

The real 100,000-people timings are bench/bench_org.py's job (see bench/RESULTS.md).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.org import selectors, services
from jifen.org.models import OrgUnit, Person, Role
from jifen.org.permissions import Perm, access_for_user


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Company:
    """研发中心 and 市场部 under 总部, each growing teams; people are bulk-loaded rows (no logins)."""

    def __init__(self, org):
        self.org = org
        self.teams: list[OrgUnit] = []
        self.count = 0
        self.manager = org.manager_of(org.rnd, no="MGR-1", name="陈经理")
        self.admin = org.system_admin()
        self.boss = org.person(unit=org.platform, no="BOSS-1", name="吴海涛")

    def grow(self, *, teams: int, people: int) -> None:
        while len(self.teams) < teams:
            parent = self.org.rnd if len(self.teams) % 2 == 0 else self.org.marketing
            team = services.unit_create(name=f"第{len(self.teams) + 1}组", parent=parent, kind=OrgUnit.Kind.TEAM)
            self.teams.append(services.unit_create(name="小组", parent=team, kind=OrgUnit.Kind.TEAM))
        rows = []
        while self.count < people:
            self.count += 1
            statuses = (Person.Status.ACTIVE,) * 8 + (Person.Status.ON_LEAVE, Person.Status.LEFT)
            rows.append(Person(
                employee_no=f"S{self.count:06d}", name=f"员工{self.count}",
                org_unit=self.teams[self.count % len(self.teams)], position=self.org.engineer,
                manager=self.boss if self.count % 3 == 0 else None,
                status=statuses[self.count % len(statuses)], email=f"s{self.count}@example.com",
            ))
        Person.objects.bulk_create(rows, batch_size=500)


@pytest.fixture
def company(org) -> Company:
    return Company(org)


def queries_for(client, url: str) -> list[str]:
    client.get(url)  # warm: the first request of a session may do one-off work
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


def pages(company: Company) -> dict[str, str]:
    org = company.org
    return {
        "people list": reverse("org:people"),
        "people list, filtered by unit": reverse("org:people") + f"?unit={org.rnd.pk}&status=active",
        "people list, page 3": reverse("org:people") + "?page=3",
        "org tree": reverse("org:units"),
        "org tree, search": reverse("org:units") + "?q=组",
        "a branch of the tree": reverse("org:unit_children", args=[org.rnd.pk]),
        "unit page": reverse("org:unit", args=[org.rnd.pk]),
        "person page (with many reports)": reverse("org:person", args=[company.boss.pk]),
        "API people list": "/api/v1/people",
        "API people list, page 3": "/api/v1/people?page=3&unit_id=" + str(org.rnd.pk),
        "API units": f"/api/v1/org/units?parent_id={org.rnd.pk}",
        "API person": f"/api/v1/people/{company.boss.pk}",
    }


@pytest.mark.parametrize("viewer", ["manager", "admin"])
def test_every_page_asks_the_same_number_of_queries_at_200_and_at_2000_people(client, company, viewer):
    client.force_login(getattr(company, viewer).user if viewer == "manager" else company.admin)

    company.grow(teams=4, people=200)
    small = {name: queries_for(client, url) for name, url in pages(company).items()}

    company.grow(teams=20, people=2000)
    assert Person.objects.count() > 2000
    large = {name: queries_for(client, url) for name, url in pages(company).items()}

    for name in small:
        assert len(small[name]) == len(large[name]), (
            f"{name}: {len(small[name])} queries at 200 people, {len(large[name])} at 2000",
            large[name],
        )
        assert len(large[name]) <= 15, (name, large[name])


def test_the_head_count_of_a_subtree_is_one_query(company, django_assert_num_queries):
    company.grow(teams=10, people=1000)
    with django_assert_num_queries(1):
        count = selectors.unit_subtree_head_count(company.org.rnd)
    expected = Person.objects.filter(org_unit__path__startswith=company.org.rnd.path).exclude(
        status=Person.Status.LEFT).count()
    assert count == expected > 400


def in_lists(sql: str) -> list[list[str]]:
    return [[item for item in group.split(",") if item.strip()] for group in re.findall(r"IN \(([\d, ]*)\)", sql)]


def test_people_in_a_subtree_is_a_path_prefix_match_not_a_list_of_ids(company):
    company.grow(teams=10, people=300)
    unit = company.org.rnd
    sql = str(selectors.people_in_subtree(unit).query)
    assert "LIKE" in sql.upper() and f"{unit.path}%" in sql
    assert in_lists(sql) == []


def test_a_managers_people_are_found_by_a_subquery_on_the_unit_path(company):
    company.grow(teams=10, people=300)
    access = access_for_user(company.manager.user)
    sql = str(access.people(Perm.PEOPLE_VIEW).query)
    assert "LIKE" in sql.upper() and f"{company.org.rnd.path}%" in sql
    assert sql.upper().count("SELECT") == 2  # the people, and inside it the units of the subtree
    # The only literal list is the manager themselves (a person always sees their own record).
    assert all(len(items) <= 1 for items in in_lists(sql)), sql


def test_the_people_list_selector_joins_what_a_row_shows(company, django_assert_num_queries):
    company.grow(teams=4, people=200)
    access = access_for_user(company.manager.user)
    with django_assert_num_queries(1):
        rows = list(selectors.person_list(access=access)[:25])
        [(p.org_unit.name_path, p.position and p.position.name, p.manager and p.manager.name) for p in rows]
    assert len(rows) == 25


def test_working_out_a_logins_access_is_a_fixed_number_of_queries(company, django_assert_num_queries):
    company.grow(teams=10, people=100)
    for unit in company.teams:
        services.role_grant(user=company.manager.user, role=Role.MANAGER, scope=unit)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    plain, with_person = users.get(pk=company.manager.user_id), users.select_related("person").get(
        pk=company.manager.user_id)
    with django_assert_num_queries(2):  # the roles, and whose person the login is
        access = access_for_user(plain)
    assert access.has(Perm.PEOPLE_VIEW)
    with django_assert_num_queries(1):  # a request's user is read with its person: the roles only
        again = access_for_user(with_person)
    assert again.person_id == company.manager.pk and again.has(Perm.PEOPLE_VIEW)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE and collations")
def test_on_postgresql_the_unit_path_has_an_index_a_prefix_match_can_use_under_any_collation(db):
    """Under a non-C collation (zh_CN.UTF-8, ICU zh) a plain btree cannot serve LIKE 'prefix%';
    the pattern-ops index Django adds for the unique ``path`` can, and bench_org.py shows it used."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'org_orgunit'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert any("(path varchar_pattern_ops)" in d for d in definitions), definitions
    sql, params = OrgUnit.objects.filter(path__startswith="0001").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "org_orgunit_path" in plan and "Seq Scan" not in plan, plan
