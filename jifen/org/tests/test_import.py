"""Roster import, as HR uses it: a file in, a row-by-row check, then everything or nothing.

Files are built here the way Excel and WPS write them: .xlsx through openpyxl, CSV in UTF-8
(with or without the byte-order mark) and in GBK / GB18030 (Excel on Chinese Windows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from jifen.org import importing, services
from jifen.org.models import OrgUnit, Person, Position
from jifen.org.permissions import Scope

User = get_user_model()

HEADER = list(importing.COLUMNS)
CHINESE_HEADER = ["工号", "姓名", "部门", "岗位", "上级工号", "邮箱", "手机", "入职日期", "状态"]
DDE = "=cmd|' /C calc'!A0"


def person_row(no, name, unit="总部/研发中心/平台组", position="软件工程师", manager="", email="", phone="",
               hire="", status=""):
    return [no, name, unit, position, manager, email, phone, hire, status]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster(rows, header=HEADER, name="roster.csv", encoding="utf-8"):
    data = xlsx_bytes(rows, header) if name.endswith(".xlsx") else csv_bytes(rows, header, encoding)
    return importing.read_roster(data, name)


def dry_run(rows, scope: Scope | None = None, **kwargs) -> importing.ImportPlan:
    return importing.plan(roster(rows, **kwargs), scope=scope)


def commit(rows, scope: Scope | None = None, **kwargs) -> importing.ImportPlan:
    return importing.commit(roster(rows, **kwargs), scope=scope)


def errors_of(plan) -> list[tuple[int, str]]:
    return [(error.row, error.field) for error in plan.errors]


def roster_state() -> tuple:
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "name_path", "path", "numchild", "archived_at")),
        list(Person.objects.order_by("pk").values_list(
            "pk", "employee_no", "name", "org_unit_id", "position_id", "manager_id", "hire_date", "status", "left_on",
            "email", "phone", "user_id", "updated_at")),
        list(User.objects.order_by("pk").values_list("pk", "username", "email", "first_name", "is_active", "password")),
    )


def assert_tree_is_sound():
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


# ---------------------------------------------------------------- a clean file


def test_a_clean_file_adds_people_with_logins_and_creates_the_missing_units(org):
    plan = commit([
        person_row("E001", "张三", unit="总部/研发中心/平台组", email="ZhangSan@Example.com", phone="13800000001",
                   hire="2024-03-01"),
        person_row("E002", "李四", unit="总部/华南分公司/销售一组", manager="E001", status="在职"),
        person_row("E003", "王五", unit="华东公司", position="", status="on_leave"),
    ])

    assert plan.committed and plan.ok
    assert (plan.created, plan.updated, plan.unchanged) == (3, 0, 0)
    assert plan.units_to_create == sorted(["总部/华南分公司", "总部/华南分公司/销售一组", "华东公司"])
    zhang = Person.objects.select_related("user", "org_unit", "position").get(employee_no="E001")
    assert zhang.name == "张三"
    assert zhang.org_unit == org.platform
    assert zhang.position == org.engineer
    assert zhang.email == "zhangsan@example.com"
    assert zhang.hire_date == dt.date(2024, 3, 1)
    assert zhang.user.username == "E001"
    assert zhang.user.email == "zhangsan@example.com"
    assert zhang.user.first_name == "张三"
    assert zhang.user.is_active
    assert not zhang.user.has_usable_password()
    li = Person.objects.select_related("org_unit").get(employee_no="E002")
    assert li.manager == zhang
    assert li.org_unit.name_path == "总部/华南分公司/销售一组"
    assert li.org_unit.kind == OrgUnit.Kind.TEAM
    department = OrgUnit.objects.get_parent(li.org_unit)
    assert department.kind == OrgUnit.Kind.DEPARTMENT
    assert OrgUnit.objects.get_parent(department) == org.root
    wang = Person.objects.select_related("org_unit").get(employee_no="E003")
    assert wang.status == Person.Status.ON_LEAVE and wang.position is None
    assert wang.org_unit.is_root() and wang.org_unit.kind == OrgUnit.Kind.COMPANY
    assert_tree_is_sound()


def test_imported_units_behave_like_units_made_one_by_one(org):
    commit([person_row("E001", "张三", unit="总部/新部门/一组"), person_row("E002", "李四", unit="总部/新部门/二组")])
    new_department = OrgUnit.objects.get(name_path="总部/新部门")
    # the tree services keep working on them
    services.unit_create(name="三组", parent=new_department)
    services.unit_rename(unit=new_department, name="改名部门")
    assert set(OrgUnit.objects.filter(path__startswith=new_department.path).values_list("name_path", flat=True)) == {
        "总部/改名部门", "总部/改名部门/一组", "总部/改名部门/二组", "总部/改名部门/三组"}
    assert_tree_is_sound()


def test_importing_the_same_file_twice_changes_nothing(org):
    rows = [
        person_row("E001", "张三", email="zhang@example.com", hire="2024/3/1", status="在职"),
        person_row("E002", "李四", unit="总部/新部门", manager="E001", status="离职"),
        person_row("E003", "王五", manager="E001", phone="+86 138 0000 0000", status="休假"),
    ]
    first = commit(rows)
    assert first.created == 3
    before = roster_state()

    again = dry_run(rows)
    assert (again.created, again.updated, again.unchanged, again.units_to_create) == (0, 0, 3, [])
    with CaptureQueriesContext(connection) as queries:
        second = commit(rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert roster_state() == before
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []


def test_a_row_identical_to_the_roster_is_unchanged_and_only_differing_rows_are_updated(org):
    same = org.person(no="E001", name="张三", email="zhang@example.com", phone="13800000001")
    other = org.person(no="E002", name="李四")
    untouched_at = Person.objects.get(pk=same.pk).updated_at

    plan = commit([
        person_row("E001", "张三", email="zhang@example.com", phone="13800000001", status="active"),
        person_row("E002", "李四", unit="总部/市场部", email="li@example.com", status="active"),
    ])

    assert (plan.created, plan.updated, plan.unchanged) == (0, 1, 1)
    assert Person.objects.get(pk=same.pk).updated_at == untouched_at
    other = Person.objects.select_related("user").get(pk=other.pk)
    assert other.org_unit == org.marketing
    assert other.email == "li@example.com"
    assert other.user.email == "li@example.com"  # the login follows, as on the person form


def test_a_column_left_out_keeps_what_is_stored(org):
    boss = org.person(no="B001", name="老板")
    person = org.person(no="E001", name="张三", manager=boss, email="zhang@example.com", phone="139",
                        hire_date=dt.date(2020, 1, 2))
    plan = commit([["E001", "张三丰", "总部/研发中心/平台组"]], header=["employee_no", "name", "org_unit"])
    assert (plan.updated, plan.unchanged) == (1, 0)
    person.refresh_from_db()
    assert person.name == "张三丰"
    assert (person.manager, person.email, person.phone, person.hire_date, person.position) == (
        boss, "zhang@example.com", "139", dt.date(2020, 1, 2), org.engineer)


def test_someone_who_leaves_gets_a_leaving_date_and_their_login_is_switched_off(org):
    person = org.person(no="E001", name="张三")
    commit([person_row("E001", "张三", status="离职")])
    person = Person.objects.select_related("user").get(pk=person.pk)
    assert person.status == Person.Status.LEFT
    assert person.left_on is not None
    assert not person.user.is_active
    commit([person_row("E001", "张三", status="在职")])
    person = Person.objects.select_related("user").get(pk=person.pk)
    assert person.left_on is None and person.user.is_active


def test_an_empty_status_keeps_the_stored_status_and_makes_newcomers_active(org):
    org.person(no="E001", name="张三", status=Person.Status.ON_LEAVE)
    plan = commit([person_row("E001", "张三", status=""), person_row("E002", "李四", status="")])
    assert (plan.created, plan.unchanged) == (1, 1)
    assert Person.objects.get(employee_no="E001").status == Person.Status.ON_LEAVE
    assert Person.objects.get(employee_no="E002").status == Person.Status.ACTIVE


def test_someone_in_the_roster_without_a_login_gets_one(org):
    person = org.person(no="E001", name="张三")
    user = person.user
    Person.objects.filter(pk=person.pk).update(user=None)
    user.delete()
    plan = commit([person_row("E001", "张三", status="active")])
    assert plan.updated == 1
    person.refresh_from_db()
    assert person.user.username == "E001" and not person.user.has_usable_password()
    assert dry_run([person_row("E001", "张三", status="active")]).unchanged == 1


def test_an_update_moves_someone_and_changes_their_position_and_manager(org):
    lead = services.position_create(name="团队主管", code="LEAD")
    boss = org.person(no="B001", name="老板")
    person = org.person(no="E001", name="张三", manager=boss)
    plan = commit([person_row("E001", "张三", unit="总部/市场部/新组", position="LEAD", manager="E002", status="在职"),
                   person_row("E002", "李四", unit="总部/市场部", manager="B001")])
    assert (plan.created, plan.updated) == (1, 1)
    person.refresh_from_db()
    assert person.org_unit.name_path == "总部/市场部/新组"
    assert person.position == lead
    assert person.manager.employee_no == "E002"
    assert dry_run([person_row("E001", "张三", unit="总部/市场部/新组", position="团队主管", manager="E002",
                               status="active"), person_row("E002", "李四", unit="总部/市场部", manager="B001")]
                   ).unchanged == 2


def test_ids_are_found_on_a_database_that_does_not_return_them_from_bulk_inserts(org, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    plan = commit([person_row("E002", "李四", unit="总部/新部门", manager="E001"), person_row("E001", "张三")])
    assert plan.created == 2
    li = Person.objects.select_related("manager", "user", "org_unit").get(employee_no="E002")
    assert li.manager.employee_no == "E001"
    assert li.user.username == "E002"
    assert li.org_unit.name_path == "总部/新部门"


# ---------------------------------------------------------------- row errors


def test_a_bad_hire_date_is_reported_with_its_row_and_column(org):
    plan = dry_run([
        person_row("E001", "张三", hire="2024-02-30"),
        person_row("E002", "李四", hire="2024-13-01"),
        person_row("E003", "王五", hire="明天"),
        person_row("E004", "赵六", hire="03/01/2024"),
        person_row("E005", "钱七", hire="2024-03-01"),
    ])
    assert errors_of(plan) == [(2, "hire_date"), (3, "hire_date"), (4, "hire_date"), (5, "hire_date")]
    assert plan.errors[0].column == "hire_date"
    assert "2024-02-30" in plan.errors[0].message
    assert plan.error_rows == 4


def test_dates_are_read_from_real_excel_dates_and_from_text(org):
    plan = commit([
        person_row("E001", "张三", hire=dt.datetime(2024, 3, 1)),
        person_row("E002", "李四", hire="2024/3/1"),
        person_row("E003", "王五", hire="2024-03-01"),
        person_row("E004", "赵六", hire="2024年3月1日"),
        person_row("E005", "钱七", hire="20240301"),
        person_row("E006", "孙八", hire=45352),  # the day number of 2024-03-01 in a cell not shown as a date
    ], name="roster.xlsx")
    assert plan.ok, plan.errors
    assert set(Person.objects.filter(employee_no__startswith="E").values_list("hire_date", flat=True)) == {
        dt.date(2024, 3, 1)}


def test_an_unknown_manager_is_a_row_error(org):
    plan = dry_run([person_row("E001", "张三", manager="X999")])
    assert errors_of(plan) == [(2, "manager_no")]
    assert "X999" in plan.errors[0].message


def test_a_manager_may_be_later_in_the_file_or_already_in_the_roster(org):
    boss = org.person(no="B001", name="老板")
    plan = commit([
        person_row("E003", "王五", manager="E002"),
        person_row("E002", "李四", manager="E001"),
        person_row("E001", "张三", manager="B001"),
    ])
    assert plan.ok and plan.created == 3
    people = {p.employee_no: p for p in Person.objects.select_related("manager")}
    assert people["E003"].manager == people["E002"]
    assert people["E002"].manager == people["E001"]
    assert people["E001"].manager == boss


def test_a_number_twice_in_the_file_is_reported_on_the_later_row(org):
    plan = dry_run([
        person_row("E001", "张三"),
        person_row("E002", "李四"),
        person_row("E001", "张三三"),
    ])
    assert errors_of(plan) == [(4, "employee_no")]
    assert "E001" in plan.errors[0].message and "2" in plan.errors[0].message


def test_a_manager_cycle_within_the_file_is_refused(org):
    plan = dry_run([
        person_row("E001", "张三", manager="E003"),
        person_row("E002", "李四", manager="E001"),
        person_row("E003", "王五", manager="E002"),
        person_row("E004", "赵六", manager="E003"),  # under the cycle, not in it
    ])
    assert errors_of(plan) == [(2, "manager_no"), (3, "manager_no"), (4, "manager_no")]
    assert "cycle" in plan.errors[0].message or "循环" in plan.errors[0].message


def test_a_manager_cycle_between_the_file_and_the_roster_is_refused(org):
    top = org.person(no="A001", name="甲")
    org.person(no="A002", name="乙", manager=top)
    org.person(no="A003", name="丙", manager=Person.objects.get(employee_no="A002"))
    plan = dry_run([person_row("A001", "甲", manager="A003")])
    assert errors_of(plan) == [(2, "manager_no")]
    with pytest.raises(importing.ImportRejected):
        commit([person_row("A001", "甲", manager="A003")])
    assert Person.objects.get(employee_no="A001").manager is None


def test_nobody_can_be_their_own_manager(org):
    plan = dry_run([person_row("E001", "张三", manager="E001")])
    assert errors_of(plan) == [(2, "manager_no")]


@pytest.mark.parametrize("column", ["employee_no", "name", "org_unit", "position", "manager_no", "email", "phone"])
@pytest.mark.parametrize("value", [DDE, "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                                   "\t=HYPERLINK(\"http://x\")"])
def test_a_formula_like_cell_is_a_row_error_and_never_stored(org, column, value):
    row = person_row("E001", "张三", email="zhang@example.com")
    row[HEADER.index(column)] = value
    plan = dry_run([row])
    assert (2, column) in errors_of(plan)
    with pytest.raises(importing.ImportRejected):
        commit([row])
    assert not Person.objects.filter(employee_no="E001").exists()
    assert not OrgUnit.objects.filter(name__contains="cmd").exists()


def test_a_real_formula_in_a_workbook_is_a_row_error(org):
    plan = dry_run([person_row("E001", DDE, unit="=A1&\"/组\"")], name="roster.xlsx")
    assert errors_of(plan) == [(2, "name"), (2, "org_unit")]
    assert "formula" in plan.errors[0].message.lower() or "公式" in plan.errors[0].message


def test_a_phone_number_with_a_plus_sign_is_not_taken_for_a_formula(org):
    plan = commit([person_row("E001", "张三", phone="+86 138-0000-0000")])
    assert plan.ok
    assert Person.objects.get(employee_no="E001").phone == "+86 138-0000-0000"


def test_an_unknown_position_is_a_row_error_and_a_position_may_be_given_by_its_code(org):
    services.position_create(name="旧岗位", code="OLD")
    Position.objects.filter(code="OLD").update(is_active=False)
    plan = dry_run([
        person_row("E001", "张三", position="SE"),
        person_row("E002", "李四", position="首席执行官"),
        person_row("E003", "王五", position="旧岗位"),
        person_row("E004", "赵六", position="软件工程师"),
    ])
    assert errors_of(plan) == [(3, "position"), (4, "position")]
    assert "首席执行官" in plan.errors[0].message


def test_someone_keeps_a_position_no_longer_in_use_when_the_file_says_so(org):
    old = services.position_create(name="旧岗位")
    org.person(no="E001", name="张三", position=old)
    Position.objects.filter(pk=old.pk).update(is_active=False)
    plan = dry_run([person_row("E001", "张三", position="旧岗位", status="active")])
    assert plan.ok and plan.unchanged == 1


def test_status_values_are_understood_in_both_languages(org):
    values = {"E001": "active", "E002": "在职", "E003": "on_leave", "E004": "休假", "E005": "请假", "E006": "left",
              "E007": "离职", "E008": "On leave", "E009": "Active"}
    plan = commit([person_row(no, f"人{no}", status=value) for no, value in values.items()])
    assert plan.ok
    statuses = dict(Person.objects.filter(employee_no__startswith="E").values_list("employee_no", "status"))
    assert statuses == {"E001": "active", "E002": "active", "E003": "on_leave", "E004": "on_leave",
                        "E005": "on_leave", "E006": "left", "E007": "left", "E008": "on_leave", "E009": "active"}
    assert errors_of(dry_run([person_row("E010", "人", status="退休")])) == [(2, "status")]


def test_email_addresses_must_be_valid_and_not_used_by_anyone_else(org):
    org.person(no="X001", name="已有", email="taken@example.com")
    get_user_model().objects.create_user(username="admin2", email="admin@example.com")
    plan = dry_run([
        person_row("E001", "张三", email="not-an-address"),
        person_row("E002", "李四", email="TAKEN@example.com"),
        person_row("E003", "王五", email="admin@example.com"),
        person_row("E004", "赵六", email="same@example.com"),
        person_row("E005", "钱七", email="same@example.com"),
    ])
    assert errors_of(plan) == [(2, "email"), (3, "email"), (4, "email"), (5, "email"), (6, "email")]


def test_two_people_may_swap_email_addresses_in_one_file(org):
    org.person(no="E001", name="张三", email="a@example.com")
    org.person(no="E002", name="李四", email="b@example.com")
    plan = commit([person_row("E001", "张三", email="b@example.com"), person_row("E002", "李四", email="a@example.com")])
    assert plan.updated == 2
    assert dict(User.objects.filter(username__in=["E001", "E002"]).values_list("username", "email")) == {
        "E001": "b@example.com", "E002": "a@example.com"}


def test_a_number_already_taken_by_another_login_is_refused(org):
    get_user_model().objects.create_user(username="E001")
    assert errors_of(dry_run([person_row("E001", "张三")])) == [(2, "employee_no")]


def test_required_cells_must_be_filled(org):
    plan = dry_run([["", "张三", "总部"], ["E002", "", "总部"], ["E003", "王五", ""]],
                   header=["employee_no", "name", "org_unit"])
    assert errors_of(plan) == [(2, "employee_no"), (3, "name"), (4, "org_unit")]


def test_bad_unit_paths_and_archived_units_are_row_errors(org):
    archived = services.unit_create(name="旧部门", parent=org.root)
    services.unit_archive(unit=archived)
    plan = dry_run([
        person_row("E001", "张三", unit="总部//平台组"),
        person_row("E002", "李四", unit="总部/旧部门"),
        person_row("E003", "王五", unit="总部/旧部门/新组"),
        person_row("E004", "赵六", unit="总部/" + "长" * 101),
    ])
    assert errors_of(plan) == [(2, "org_unit"), (3, "org_unit"), (4, "org_unit"), (5, "org_unit")]
    assert plan.units_to_create == []


def test_a_manager_who_has_left_cannot_be_given_to_someone_new(org):
    org.person(no="B001", name="前老板", status=Person.Status.LEFT)
    assert errors_of(dry_run([person_row("E001", "张三", manager="B001")])) == [(2, "manager_no")]


# ---------------------------------------------------------------- all or nothing


def test_an_error_anywhere_means_nothing_is_written(org):
    org.person(no="E001", name="张三")
    before = roster_state()
    rows = [person_row(f"N{i:03}", f"新人{i}", unit="总部/新部门/新组") for i in range(50)]
    rows.insert(0, person_row("E001", "张三改名", unit="总部/市场部"))
    rows.append(person_row("N999", "最后一个", hire="2024-02-30"))
    with pytest.raises(importing.ImportRejected) as refused:
        commit(rows)
    assert refused.value.plan.errors == [
        importing.RowError(row=53, column="hire_date", message=refused.value.plan.errors[0].message, field="hire_date")]
    assert roster_state() == before


def test_the_commit_checks_again_and_refuses_what_became_wrong_since_the_dry_run(org):
    file = roster([person_row("E001", "张三", email="zhang@example.com")])
    assert importing.plan(file).ok
    org.person(no="X001", name="抢先", email="zhang@example.com")  # someone else took the address meanwhile
    with pytest.raises(importing.ImportRejected) as refused:
        importing.commit(file)
    assert errors_of(refused.value.plan) == [(2, "email")]
    assert not Person.objects.filter(employee_no="E001").exists()


def test_the_bulk_service_refuses_what_the_one_by_one_services_refuse(org):
    snapshot = services.org_snapshot()
    drafts = [services.PersonDraft(ref=1, employee_no="E001", name="张三", unit_path="总部", manager_no="E001")]
    with pytest.raises(services.ApplicationError):
        services.people_save_bulk(drafts, snapshot)
    assert not Person.objects.filter(employee_no="E001").exists()


# ---------------------------------------------------------------- scope


def test_a_training_admin_over_a_subtree_imports_only_inside_it(org):
    outsider = org.person(no="M001", name="市场人", unit=org.marketing)
    scope = Scope(unit_paths={org.rnd.path})
    plan = dry_run([
        person_row("E001", "张三", unit="总部/研发中心/平台组"),
        person_row("E002", "李四", unit="总部/研发中心/新组"),
        person_row("E003", "王五", unit="总部/市场部"),
        person_row("E004", "赵六", unit="新公司"),
        person_row("M001", "市场人", unit="总部/研发中心"),  # someone outside, moved in
        person_row("E005", "钱七", unit="总部/研发中心", manager="M001"),  # a manager outside is fine
    ], scope=scope)
    assert errors_of(plan) == [(4, "org_unit"), (5, "org_unit"), (6, "employee_no")]
    assert plan.units_to_create == ["总部/研发中心/新组"]
    with pytest.raises(importing.ImportRejected):
        commit([person_row("E003", "王五", unit="总部/市场部")], scope=scope)
    assert not Person.objects.filter(employee_no="E003").exists()
    assert Person.objects.get(pk=outsider.pk).org_unit == org.marketing


def test_an_organisation_wide_import_may_create_new_top_units(org):
    plan = commit([person_row("E001", "张三", unit="新公司/新部门")], scope=Scope(everything=True))
    assert plan.ok and plan.units_to_create == ["新公司", "新公司/新部门"]
    assert OrgUnit.objects.get(name_path="新公司").is_root()


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_files_are_read_in_utf8_with_or_without_bom_and_in_gbk(org, encoding):
    rows = [["E001", "张三", "总部/研发中心/平台组", "软件工程师", "", "", "", "2024/3/1", "在职"],
            ["E002", "欧阳娜娜", "总部/市场部", "", "E001", "", "", "", "休假"]]
    file = importing.read_roster(csv_bytes(rows, header=CHINESE_HEADER, encoding=encoding), "花名册.csv")
    assert file.columns == dict(zip(HEADER, CHINESE_HEADER, strict=True))
    plan = importing.commit(file)
    assert plan.ok and plan.created == 2
    assert Person.objects.get(employee_no="E002").name == "欧阳娜娜"


def test_a_semicolon_or_tab_separated_csv_is_read_too(org):
    text = "工号;姓名;组织\r\nE001;张三;总部\r\n"
    assert importing.read_roster(text.encode("utf-8"), "r.csv").rows == [(2, {"employee_no": "E001", "name": "张三",
                                                                            "org_unit": "总部"})]
    text = "工号\t姓名\t组织\r\nE001\t张三\t总部\r\n"
    assert importing.read_roster(text.encode("utf-16"), "r.csv").rows[0][1]["name"] == "张三"


def test_xlsx_workbooks_are_read_with_numbers_as_numbers_turned_into_text(org):
    plan = commit([[1001, "张三", "总部/研发中心/平台组", "SE", None, None, 13800000000, dt.date(2024, 3, 1), "在职"],
                   [1002, "李四", "总部/市场部", None, 1001, None, None, None, None]], name="roster.xlsx")
    assert plan.ok and plan.created == 2
    li = Person.objects.select_related("manager").get(employee_no="1002")
    assert li.manager.employee_no == "1001"
    assert Person.objects.get(employee_no="1001").phone == "13800000000"


@pytest.mark.parametrize("headers", [
    ["工号", "姓名", "部门", "岗位", "上级工号", "邮箱", "电话", "入职日期", "状态"],
    ["工号", "姓名", "组织", "岗位", "上级工号", "邮箱", "手机", "入职日期", "状态"],
    ["工号", "姓名", "部门/组织", "职位", "直属上级工号", "电子邮箱", "手机号", "入职日期", "在职状态"],
    ["Employee No", "Name", "Org Unit", "Position", "Manager No", "E-mail", "Phone", "Hire date", "Status"],
])
def test_chinese_and_english_column_names_are_accepted(org, headers):
    file = importing.read_roster(csv_bytes([person_row("E001", "张三", email="z@example.com")], header=headers), "r.csv")
    assert list(file.columns) == HEADER
    assert importing.plan(file).ok


def test_the_column_names_may_sit_below_a_title_row_and_rows_are_numbered_as_in_the_sheet(org):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2024 年花名册"])
    sheet.append([])
    sheet.append(["工号", "姓名", "组织", "备注"])
    sheet.append(["E001", "张三", "总部", "新人"])
    sheet.append([])
    sheet.append(["E002", "李四", "总部", None, "=1/0"])
    sheet.append([None, None, None, "注: 以上为全部人员"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = importing.read_roster(buffer.getvalue(), "roster.xlsx")
    assert file.header_row == 3
    assert file.ignored_columns == ["备注"]
    assert [number for number, _cells in file.rows] == [4, 6]
    plan = importing.plan(file)
    assert plan.ok


def test_the_first_sheet_with_a_roster_is_used(org):
    workbook = Workbook()
    workbook.active.append(["说明: 请在第二个工作表填写"])
    second = workbook.create_sheet("花名册")
    second.append(["工号", "姓名", "组织"])
    second.append(["E001", "张三", "总部"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert importing.read_roster(buffer.getvalue(), "r.xlsx").rows == [(2, {"employee_no": "E001", "name": "张三",
                                                                         "org_unit": "总部"})]


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name"), [
    (b"\x00\x01garbage\xff" * 100, "roster.xlsx"),
    (b"employee_no,name,org_unit\r\nE1,a,b\r\n", "roster.xlsx"),  # a CSV renamed
    (_zip_bytes({"hello.txt": b"hi"}), "roster.xlsx"),  # a zip, not a workbook
    (_zip_bytes({"[Content_Types].xml": b"<x", "xl/workbook.xml": b"not xml"}), "roster.xlsx"),  # broken inside
    (b"PK\x03\x04" + b"\x00" * 200, "roster.xlsx"),  # a truncated zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "roster.xlsx"),  # old .xls or password protected
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "roster.xls"),
    (b"%PDF-1.4 \x00\x01\x02\x03\x04\x05\x06\x07\x08" * 200, "roster.csv"),
    (_zip_bytes({"[Content_Types].xml": b""}), "roster.csv"),  # a workbook named .csv
    (b"", "roster.csv"),
    (b"   \r\n", "roster.csv"),
    (b"name,email\r\nx,y\r\n", "roster.csv"),  # no employee_no / org_unit column
    (b"employee_no,name,org_unit\r\n", "roster.csv"),  # the column names only
    (b"employee_no,name,org_unit,\xe5\xb7\xa5\xe5\x8f\xb7\r\nE1,a,b,c\r\n", "roster.csv"),  # 工号 twice
    (b"anything", "roster.pdf"),
    (b"anything", "roster"),
])
def test_a_file_that_is_not_a_readable_roster_gets_a_clear_error(org, data, name):
    with pytest.raises(importing.ImportFileError) as refused:
        importing.read_roster(data, name)
    assert str(refused.value.message)


def test_a_file_over_the_size_limit_is_refused(org, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(importing.ImportFileError):
        importing.read_roster(csv_bytes([person_row(f"E{i}", "张三") for i in range(10)]), "roster.csv")


def test_a_file_with_too_many_rows_is_refused(org, settings):
    settings.IMPORT_MAX_ROWS = 5
    with pytest.raises(importing.ImportFileError):
        importing.read_roster(csv_bytes([person_row(f"E{i}", "张三") for i in range(6)]), "roster.csv")


def test_row_errors_are_in_the_users_language(org):
    file = roster([person_row("E001", "张三", manager="X999")])
    with translation.override("en"):
        english = importing.plan(file).errors[0].message
    with translation.override("zh-hans"):
        chinese = importing.plan(file).errors[0].message
    assert "No person has the number X999" in english
    assert "X999" in chinese and chinese != english


def test_the_template_files_can_be_imported_back(org):
    for fmt in ("xlsx", "csv"):
        for language in ("zh-hans", "en"):
            with translation.override(language):
                content, _type, file_name = importing.template_file(fmt)
            file = importing.read_roster(content, file_name)
            assert list(file.columns) == HEADER
            assert len(file.rows) == 1
            assert importing.plan(file).ok


# ---------------------------------------------------------------- size and speed


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(org):
    def rows(count, prefix):
        return [person_row(f"{prefix}{i:04}", f"人{i}", unit=f"总部/{prefix}部/组{i % 3}", email=f"{prefix}{i}@example.com")
                for i in range(count)]

    counts = []
    for count, prefix in ((5, "A"), (60, "B")):
        file = roster(rows(count, prefix))
        with CaptureQueriesContext(connection) as dry:
            importing.plan(file)
        with CaptureQueriesContext(connection) as wet:
            importing.commit(file)
        counts.append((len(dry), len(wet)))
    assert counts[0] == counts[1]


def big_roster(count: int) -> list[list]:
    """A company of ``count`` people in 20 departments of 10 teams; team leads listed last."""
    rows = []
    leads = []
    for d in range(20):
        for t in range(10):
            leads.append(person_row(f"L{d:02}{t}", f"组长{d}-{t}", unit=f"总部/部门{d:02}/组{t}", manager="B0001",
                                    email=f"lead{d}{t}@example.com", hire="2020-01-01", status="在职"))
    rows.append(person_row("B0001", "总经理", unit="总部", status="在职"))
    for i in range(count - len(leads) - 1):
        d, t = i % 20, (i // 20) % 10
        rows.append(person_row(f"P{i:06}", f"员工{i}", unit=f"总部/部门{d:02}/组{t}", manager=f"L{d:02}{t}",
                               email=f"p{i}@example.com", phone=f"138{i:08}", hire=f"2023/{i % 12 + 1}/{i % 28 + 1}",
                               status="在职" if i % 17 else "休假"))
    return rows + leads


def test_a_roster_of_twenty_thousand_people_is_checked_and_imported_quickly(org):
    data = xlsx_bytes(big_roster(20_000))
    started = time.monotonic()
    file = importing.read_roster(data, "roster.xlsx")
    plan = importing.plan(file)
    assert plan.ok, plan.errors[:5]
    assert plan.created == 20_000
    assert len(plan.units_to_create) == 220
    result = importing.commit(file)
    assert (result.created, result.updated, result.unchanged) == (20_000, 0, 0)
    again = importing.plan(importing.read_roster(data, "roster.xlsx"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 20_000)
    moved = [[*row[:6], "13900000000", *row[7:]] for row in big_roster(20_000)]
    changed = importing.commit(importing.read_roster(csv_bytes(moved), "roster.csv"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 20_000, 0)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{elapsed:.1f}s"
    assert Person.objects.count() == 20_000
    assert User.objects.filter(person__isnull=False).count() == 20_000
    assert Person.objects.get(employee_no="P000000").manager.employee_no == "L000"
    assert set(Person.objects.values_list("phone", flat=True)) == {"13900000000"}
    assert_tree_is_sound()


# ---------------------------------------------------------------- the command


def test_the_command_checks_a_file_without_importing_it_on_a_dry_run(org, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(csv_bytes([person_row("E001", "张三"), person_row("E002", "李四", unit="总部/新部门")]))
    out = io.StringIO()
    call_command("import", "people", str(path), "--dry-run", stdout=out)
    assert "花名册.csv" in out.getvalue()
    assert "总部/新部门" in out.getvalue()
    assert not Person.objects.filter(employee_no="E001").exists()


def test_the_command_imports_a_file(org, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([person_row("E001", "张三")]))
    call_command("import", "people", str(path), stdout=io.StringIO())
    assert Person.objects.filter(employee_no="E001").exists()


def test_the_command_prints_each_row_error_and_fails(org, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([person_row("E001", "张三"), person_row("E002", "李四", hire="2024-02-30")]))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command("import", "people", str(path), stdout=io.StringIO(), stderr=err)
    assert failed.value.returncode == 1
    assert "Row 3, hire_date:" in err.getvalue()
    assert not Person.objects.filter(employee_no="E001").exists()


def test_the_command_refuses_an_unreadable_file(org, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command("import", "people", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import", "people", str(tmp_path / "missing.csv"), stdout=io.StringIO())


# ---------------------------------------------------------------- at the same time


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason=(
    "the SQLite test database lives in memory, whose shared cache refuses a second writer at once instead of "
    "waiting; a real SQLite file queues the second import (BEGIN IMMEDIATE with a busy timeout)"))
def test_two_imports_of_the_same_file_at_once_add_everyone_exactly_once():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from jifen.org.tests.factories import OrgBuilder

    OrgBuilder()
    file = roster([person_row(f"E{i:03}", f"人{i}", unit="总部/并发部/一组", email=f"e{i}@example.com")
                   for i in range(200)])

    def run(_):
        try:
            return importing.commit(file)
        except services.ApplicationError as error:  # a clear refusal is fine; a half import is not
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    committed = [r for r in results if isinstance(r, importing.ImportPlan)]
    assert sum(r.created for r in committed) == 200
    assert Person.objects.filter(employee_no__startswith="E").count() == 200
    assert OrgUnit.objects.filter(name_path__startswith="总部/并发部").count() == 2
    assert_tree_is_sound()
