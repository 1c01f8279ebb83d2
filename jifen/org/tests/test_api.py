"""The REST API at /api/v1/: the same rules as the pages, signed in by the browser session."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from jifen.org.models import OrgUnit, Person, Position, Role
from jifen.org.tests.factories import PASSWORD

API = "/api/v1"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(org) -> Client:
    """A training admin over the whole organisation, signed in through the login page, with CSRF on."""
    admin = org.person(unit=org.root, no="HR-0001", name="林晓雯", role=Role.TRAINING_ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": admin.employee_no, "password": PASSWORD,
                                     "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert "_auth_user_id" in client.session
    client.get("/")  # the pages hand out a fresh CSRF cookie after login
    return client


def call(client: Client, method: str, path: str, body: dict | None = None, *, csrf: bool = True):
    headers = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value} if csrf and "csrftoken" in client.cookies else {}
    if method == "get":
        return client.get(API + path, body or {}, **headers)
    return getattr(client, method)(API + path, json.dumps(body or {}), content_type="application/json", **headers)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


# ---------------------------------------------------------------- signing in and CSRF


def test_without_a_session_the_api_answers_401_as_a_problem(client, db):
    problem = is_problem(client.get(f"{API}/people"), 401)
    assert problem["type"] == "about:blank"


def test_a_write_without_a_csrf_token_is_refused_even_when_signed_in(admin_client):
    response = call(admin_client, "post", "/positions", {"name": "新岗位"}, csrf=False)
    assert response.status_code == 403
    assert not Position.objects.filter(name="新岗位").exists()


def test_a_write_with_the_csrf_token_goes_through(admin_client):
    response = call(admin_client, "post", "/positions", {"name": "新岗位", "annual_credit_target": "10"})
    assert response.status_code == 201
    assert Position.objects.get(name="新岗位").annual_credit_target == Decimal(10)


def test_reads_need_no_csrf_token(admin_client):
    assert call(admin_client, "get", "/people", csrf=False).status_code == 200


def test_me_tells_who_is_signed_in_and_their_roles(admin_client):
    me = call(admin_client, "get", "/me").json()
    assert me["username"] == "HR-0001"
    assert me["person"]["name"] == "林晓雯" and me["person"]["org_unit_path"] == "总部"
    assert me["roles"] == ["learner", "training_admin"]


# ---------------------------------------------------------------- units


def test_units_are_created_renamed_moved_archived_and_restored(admin_client, org):
    created = call(admin_client, "post", "/org/units", {"name": "测试组", "parent_id": org.rnd.pk, "kind": "team"})
    assert created.status_code == 201
    unit = created.json()
    assert unit["name_path"] == "总部/研发中心/测试组" and unit["depth"] == 3 and unit["archived"] is False

    renamed = call(admin_client, "patch", f"/org/units/{unit['id']}", {"name": "质量组"}).json()
    assert renamed["name_path"] == "总部/研发中心/质量组"

    moved = call(admin_client, "patch", f"/org/units/{unit['id']}", {"parent_id": org.marketing.pk}).json()
    assert moved["name_path"] == "总部/市场部/质量组"

    assert call(admin_client, "patch", f"/org/units/{unit['id']}", {"archived": True}).json()["archived"] is True
    assert call(admin_client, "patch", f"/org/units/{unit['id']}", {"archived": False}).json()["archived"] is False
    assert call(admin_client, "get", f"/org/units/{unit['id']}").json()["name"] == "质量组"


def test_the_unit_tree_is_read_level_by_level_with_head_counts(admin_client, org):
    org.person(unit=org.platform)
    top = call(admin_client, "get", "/org/units").json()
    assert [u["name"] for u in top] == ["总部"]
    children = call(admin_client, "get", "/org/units", {"parent_id": org.root.pk}).json()
    assert sorted(u["name"] for u in children) == ["市场部", "研发中心"]
    found = call(admin_client, "get", "/org/units", {"q": "平台"}).json()
    assert [u["name_path"] for u in found] == ["总部/研发中心/平台组"]


def test_moving_a_unit_under_itself_is_a_400_problem(admin_client, org):
    problem = is_problem(call(admin_client, "patch", f"/org/units/{org.rnd.pk}", {"parent_id": org.platform.pk}), 400)
    assert problem["field"] == "parent"
    assert OrgUnit.objects.get(pk=org.rnd.pk).depth == 2


# ---------------------------------------------------------------- people


def test_a_person_is_created_read_changed_and_marked_as_left(admin_client, org):
    boss = org.person(no="E0001", name="吴海涛")
    created = call(admin_client, "post", "/people", {
        "employee_no": "E2001", "name": "郑雨桐", "org_unit_id": org.platform.pk, "position_id": org.engineer.pk,
        "manager_no": "E0001", "hire_date": "2024-03-01", "email": "Yutong@Example.com",
    })
    assert created.status_code == 201
    person = created.json()
    assert person["org_unit_path"] == "总部/研发中心/平台组" and person["manager_id"] == boss.pk
    assert person["email"] == "yutong@example.com" and person["hire_date"] == "2024-03-01"

    changed = call(admin_client, "patch", f"/people/{person['id']}", {"phone": "13800000000",
                                                                       "org_unit_id": org.marketing.pk}).json()
    assert changed["phone"] == "13800000000" and changed["org_unit_path"] == "总部/市场部"
    assert changed["manager_id"] == boss.pk  # untouched fields stay as they were

    left = call(admin_client, "patch", f"/people/{person['id']}", {"status": "left"}).json()
    assert left["status"] == "left"
    assert not Person.objects.get(pk=person["id"]).user.is_active
    assert call(admin_client, "get", f"/people/{person['id']}").json()["name"] == "郑雨桐"


def test_a_duplicate_number_is_a_400_problem_with_a_translated_detail(admin_client, org):
    org.person(no="E2001")
    response = call(admin_client, "post", "/people", {"employee_no": "E2001", "name": "重复",
                                                      "org_unit_id": org.platform.pk})
    problem = is_problem(response, 400)
    assert problem["field"] == "employee_no"
    with translation.override("zh-hans"):
        assert problem["title"] == gettext("The request was refused.")
        assert problem["detail"] == gettext("The number %(no)s is already used by someone else.") % {"no": "E2001"}
    assert problem["detail"] != "The number E2001 is already used by someone else."
    assert "E2001" in problem["detail"]
    assert Person.objects.filter(employee_no="E2001").count() == 1


def test_a_problem_detail_follows_the_persons_language(admin_client, org):
    call(admin_client, "get", "/me")
    admin_client.post("/accounts/language/", {"language": "en", "csrfmiddlewaretoken": admin_client.cookies["csrftoken"].value})
    org.person(no="E2001")
    response = call(admin_client, "post", "/people", {"employee_no": "E2001", "name": "重复",
                                                      "org_unit_id": org.platform.pk})
    assert is_problem(response, 400)["detail"] == "The number E2001 is already used by someone else."


def test_an_unknown_manager_number_is_a_400_problem_on_that_field(admin_client, org):
    response = call(admin_client, "post", "/people", {"employee_no": "E2001", "name": "新人",
                                                      "org_unit_id": org.platform.pk, "manager_no": "NOBODY"})
    assert is_problem(response, 400)["field"] == "manager_no"


def test_a_malformed_request_is_a_422_problem_listing_the_fields(admin_client, org):
    response = call(admin_client, "post", "/people", {"name": "没有工号", "hire_date": "not a date"})
    problem = is_problem(response, 422)
    located = {tuple(error["loc"][-1:]) for error in problem["errors"]}
    assert ("employee_no",) in located and ("hire_date",) in located


def test_a_credit_target_that_is_not_a_number_is_refused_not_a_server_error(admin_client):
    for target in ("NaN", "Infinity", "-1", "lots"):
        response = call(admin_client, "post", "/positions", {"name": f"岗位{target}", "annual_credit_target": target})
        assert response.status_code in (400, 422), (target, response.status_code)
        assert response["Content-Type"] == PROBLEM
    assert not Position.objects.filter(name__startswith="岗位").exists()


def test_someone_out_of_scope_is_a_404_problem_that_names_nobody(client, org):
    outsider = org.person(unit=org.marketing, name="钱多多")
    manager = org.manager_of(org.rnd)
    client.force_login(manager.user)
    response = client.get(f"{API}/people/{outsider.pk}")
    is_problem(response, 404)
    assert "钱多多" not in response.content.decode()


def test_a_role_without_the_right_gets_a_403_problem(client, org):
    client.force_login(org.manager_of(org.rnd).user)
    is_problem(client.post(f"{API}/positions", {"name": "x"}, content_type="application/json"), 403)


# ---------------------------------------------------------------- positions


def test_positions_are_listed_and_updated(admin_client, org):
    listed = call(admin_client, "get", "/positions").json()
    assert [p["name"] for p in listed] == ["软件工程师"]
    updated = call(admin_client, "put", f"/positions/{org.engineer.pk}",
                   {"name": "软件工程师", "code": "SE", "annual_credit_target": "160.5", "is_active": False}).json()
    assert updated["annual_credit_target"] == "160.5" and updated["is_active"] is False
    assert call(admin_client, "put", "/positions/999999", {"name": "无"}).status_code == 404


# ---------------------------------------------------------------- pagination


@pytest.fixture
def roster(org):
    Person.objects.bulk_create(
        Person(employee_no=f"P{n:04d}", name=f"员工{n}", org_unit=org.platform) for n in range(1, 121)
    )


def test_the_people_list_comes_in_pages_of_50_in_number_order(admin_client, roster):
    pages = [call(admin_client, "get", "/people", {"page": n}).json() for n in (1, 2, 3)]
    assert {page["count"] for page in pages} == {121}  # 120 and the admin
    numbers = [item["employee_no"] for page in pages for item in page["items"]]
    assert [len(page["items"]) for page in pages] == [50, 50, 21]
    assert numbers == sorted(numbers) and len(set(numbers)) == 121


def test_a_page_past_the_end_is_empty(admin_client, roster):
    page = call(admin_client, "get", "/people", {"page": 99}).json()
    assert page["items"] == [] and page["count"] == 121


def test_a_client_cannot_ask_for_the_whole_roster_in_one_page(admin_client, roster):
    page = call(admin_client, "get", "/people", {"page_size": 100000}).json()
    assert len(page["items"]) <= 100


def test_the_people_list_filters_by_text_unit_and_status(admin_client, roster, org):
    org.person(unit=org.marketing, no="M0001", name="钱多多", status=Person.Status.ON_LEAVE)
    assert call(admin_client, "get", "/people", {"q": "P011"}).json()["count"] == 10
    in_marketing = call(admin_client, "get", "/people", {"unit_id": org.marketing.pk}).json()
    assert [p["employee_no"] for p in in_marketing["items"]] == ["M0001"]
    on_leave = call(admin_client, "get", "/people", {"status": "on_leave"}).json()
    assert [p["employee_no"] for p in on_leave["items"]] == ["M0001"]
    assert call(admin_client, "get", "/people", {"status": "retired"}).status_code == 422


def test_the_api_schema_is_there_for_signed_in_users(admin_client, client, db):
    schema = admin_client.get(f"{API}/openapi.json").json()
    assert "/api/v1/people" in schema["paths"]
    assert client.get(f"{API}/openapi.json").status_code == 302
