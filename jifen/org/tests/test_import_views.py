"""Roster import through the web pages and the API: upload, review the check, commit; who may."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jifen.org import importing
from jifen.org.models import OrgUnit, Person, Role
from jifen.org.tests.test_import import csv_bytes, person_row, roster_state

API_URL = "/api/v1/org/imports/people"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p for p in root.glob("*/*") if p.is_file()) if root.exists() else []


@pytest.fixture
def importer(org):
    return org.system_admin()


@pytest.fixture
def importer_client(client, importer):
    client.force_login(importer)
    return client


def upload(client, data: bytes, name: str = "roster.csv"):
    return client.post(reverse("org:import"), {"file": SimpleUploadedFile(name, data)})


def review_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/org/import/")
    return response["Location"]


def api_upload(client, data: bytes, name: str = "roster.csv", dry_run: bool | None = None):
    url = API_URL if dry_run is None else f"{API_URL}?dry_run={str(dry_run).lower()}"
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


# ---------------------------------------------------------------- the pages


def test_an_admin_uploads_a_roster_checks_it_and_imports_it(importer_client, org, settings):
    page = importer_client.get(reverse("org:import"))
    assert page.status_code == 200
    assert reverse("org:import_template", args=["xlsx"]) in page.content.decode()

    url = review_url(upload(importer_client, csv_bytes([
        person_row("E001", "张三", unit="总部/研发中心/新组"),
        person_row("E002", "李四", manager="E001"),
    ]), name="花名册.csv"))
    assert len(stored_files(settings)) == 2  # the file and its note, kept for the commit
    assert not Person.objects.filter(employee_no="E001").exists()

    review = importer_client.get(url)
    assert review.status_code == 200
    body = review.content.decode()
    assert "花名册.csv" in body
    assert 'data-count="created">2<' in body
    assert "总部/研发中心/新组" in body
    assert 'value="commit"' in body

    done = importer_client.post(url, {"action": "commit"})
    assert done.status_code == 302 and done["Location"] == reverse("org:people")
    assert set(Person.objects.values_list("employee_no", flat=True)) >= {"E001", "E002"}
    assert OrgUnit.objects.filter(name_path="总部/研发中心/新组").exists()
    assert stored_files(settings) == []
    people = importer_client.get(done["Location"])
    assert "2" in next(m.message for m in people.context["messages"])
    assert importer_client.get(url).status_code == 404  # done: the token is spent


def test_a_file_with_a_bad_row_shows_its_row_column_and_reason_and_cannot_be_imported(importer_client, org):
    before = roster_state()
    url = review_url(upload(importer_client, csv_bytes([
        person_row("E001", "张三"),
        person_row("E002", "李四", hire="2024-02-30"),
    ], header=["工号", "姓名", "部门", "岗位", "上级工号", "邮箱", "电话", "入职日期", "状态"])))
    review = importer_client.get(url)
    body = review.content.decode()
    assert review.status_code == 200
    errors = review.context["errors"]
    assert [(e.row, e.column) for e in errors] == [(3, "入职日期")]
    assert "2024-02-30" in body and "入职日期" in body
    assert 'data-label="' in body  # the error table folds into cards on a phone
    assert 'value="commit"' not in body

    refused = importer_client.post(url, {"action": "commit"})
    assert refused.status_code == 302 and refused["Location"] == url
    assert roster_state() == before


def test_the_reasons_are_given_in_the_language_of_the_person_reviewing(importer_client, importer, org):
    url = review_url(upload(importer_client, csv_bytes([person_row("E001", "张三", manager="X999")])))
    chinese = importer_client.get(url).context["errors"][0].message
    importer.language = "en"
    importer.save(update_fields=["language"])
    english = importer_client.get(url).context["errors"][0].message
    assert english == "No person has the number X999."
    assert "X999" in chinese and chinese != english


def test_a_file_with_very_many_errors_shows_the_first_ones_and_says_how_many_more(importer_client, org,
                                                                                    monkeypatch):
    monkeypatch.setattr("jifen.org.views_import.MAX_ERRORS_SHOWN", 2)
    url = review_url(upload(importer_client, csv_bytes([person_row(f"E{i}", "张三", hire="bad") for i in range(5)])))
    review = importer_client.get(url)
    assert len(review.context["errors"]) == 2
    assert review.context["more_errors"] == 3
    assert review.content.decode().count('class="bad"') == 2


def test_an_unchanged_file_offers_nothing_to_import(importer_client, org):
    org.person(no="E001", name="张三")
    url = review_url(upload(importer_client, csv_bytes([person_row("E001", "张三", status="active")])))
    review = importer_client.get(url)
    assert review.context["plan"].unchanged == 1
    assert 'value="commit"' not in review.content.decode()


def test_setting_a_file_aside_removes_it(importer_client, org, settings):
    url = review_url(upload(importer_client, csv_bytes([person_row("E001", "张三")])))
    response = importer_client.post(url, {"action": "discard"})
    assert response.status_code == 302 and response["Location"] == reverse("org:import")
    assert stored_files(settings) == []
    assert not Person.objects.filter(employee_no="E001").exists()


@pytest.mark.parametrize(("data", "name"), [
    (b"\x00garbage\xff" * 50, "roster.xlsx"),
    (b"employee_no,name,org_unit\r\nE1,a,b\r\n", "roster.xlsx"),
    (b"PK\x03\x04not really a zip", "roster.xlsx"),
    (b"%PDF-1.4\x00\x01\x02\x03" * 100, "roster.csv"),
    (b"hello", "roster.exe"),
    (b"name\r\nx\r\n", "roster.csv"),
])
def test_a_file_that_is_not_a_roster_gets_a_clear_error_on_the_form_never_a_500(importer_client, settings, data, name):
    response = upload(importer_client, data, name)
    assert response.status_code == 200
    form_errors = response.context["form"].errors["file"]
    assert form_errors and all(form_errors)
    assert 'class="error"' in response.content.decode()
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused_on_the_form(importer_client, settings):
    settings.IMPORT_MAX_BYTES = 200
    response = upload(importer_client, csv_bytes([person_row(f"E{i:03}", "张三") for i in range(20)]))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert stored_files(settings) == []


def test_an_import_is_only_for_the_person_who_uploaded_it(importer_client, org):
    url = review_url(upload(importer_client, csv_bytes([person_row("E001", "张三")])))
    other = Client()
    other.force_login(org.system_admin())
    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "commit"}).status_code == 404
    assert not Person.objects.filter(employee_no="E001").exists()


@pytest.mark.parametrize("token", ["no-such-import", "A" * 32, "..", "%2e%2e", "A" * 31 + "."])
def test_a_made_up_import_is_not_found(importer_client, token):
    assert importer_client.get(f"/org/import/{token}/").status_code == 404


def test_an_import_left_waiting_for_more_than_a_day_has_expired(importer_client, importer, settings):
    url = review_url(upload(importer_client, csv_bytes([person_row("E001", "张三")])))
    note = next(p for p in stored_files(settings) if p.suffix == ".json")
    meta = json.loads(note.read_text())
    meta["uploaded_at"] = (dt.datetime.fromisoformat(meta["uploaded_at"]) - dt.timedelta(days=2)).isoformat()
    note.write_text(json.dumps(meta))
    assert importer_client.get(url).status_code == 404
    assert stored_files(settings) == []


def test_a_training_admin_cannot_import_outside_their_subtree(client, org):
    trainer_admin = org.person(no="A001", name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd).user
    outsider = org.person(no="M001", name="市场人", unit=org.marketing)
    client.force_login(trainer_admin)
    before = roster_state()
    url = review_url(upload(client, csv_bytes([
        person_row("E001", "张三", unit="总部/研发中心/平台组"),
        person_row("E002", "李四", unit="总部/市场部"),
        person_row("E003", "王五", unit="新公司"),
        person_row("M001", "市场人", unit="总部/研发中心"),
    ])))
    review = client.get(url)
    assert [(e.row, e.field) for e in review.context["errors"]] == [(3, "org_unit"), (4, "org_unit"),
                                                                    (5, "employee_no")]
    assert "总部/市场部" in review.content.decode()
    assert client.post(url, {"action": "commit"}).status_code == 302
    assert roster_state() == before
    assert Person.objects.get(pk=outsider.pk).org_unit == org.marketing
    page = client.get(reverse("org:import"))
    assert "总部/研发中心" in page.content.decode()  # where they may import, said up front


def test_a_training_admin_imports_inside_their_subtree(client, org):
    trainer_admin = org.person(no="A001", name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd).user
    client.force_login(trainer_admin)
    url = review_url(upload(client, csv_bytes([person_row("E001", "张三", unit="总部/研发中心/新组")])))
    assert client.post(url, {"action": "commit"}).status_code == 302
    assert Person.objects.get(employee_no="E001").org_unit.name_path == "总部/研发中心/新组"


@pytest.mark.parametrize("who", ["manager", "learner"])
def test_managers_and_learners_may_not_import(client, org, settings, who):
    user = org.manager_of(org.rnd).user if who == "manager" else org.person().user
    client.force_login(user)
    data = csv_bytes([person_row("E001", "张三")])
    assert client.get(reverse("org:import")).status_code == 403
    assert upload(client, data).status_code == 403
    assert client.get(reverse("org:import_template", args=["xlsx"])).status_code == 403
    assert client.get(reverse("org:import_review", args=["A" * 32])).status_code == 403
    assert api_upload(client, data, dry_run=False).status_code == 403
    assert stored_files(settings) == []
    assert not Person.objects.filter(employee_no="E001").exists()


def test_someone_not_signed_in_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("org:import"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api_upload(client, csv_bytes([person_row("E001", "张三")])).status_code == 401


# ---------------------------------------------------------------- the template


def test_the_csv_template_has_the_column_names_and_one_example_row(importer_client, org):
    response = importer_client.get(reverse("org:import_template", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["工号", "姓名", "组织", "岗位", "上级工号", "邮箱", "电话", "入职日期", "状态"]
    assert len(rows) == 2 and rows[1][0] == "E0001"
    assert importing.plan(importing.read_roster(response.content, "t.csv")).ok


def test_the_xlsx_template_is_a_workbook_in_the_users_language(importer_client, importer, org):
    importer.language = "en"
    importer.save(update_fields=["language"])
    response = importer_client.get(reverse("org:import_template", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(importing.COLUMNS)
    assert rows[1][7] == dt.datetime(2024, 3, 1)
    assert importing.plan(importing.read_roster(response.content, "t.xlsx")).ok


def test_an_unknown_template_format_is_not_found(importer_client):
    assert importer_client.get(reverse("org:import_template", args=["pdf"])).status_code == 404


# ---------------------------------------------------------------- the API


def test_the_api_checks_a_file_without_importing_by_default(importer_client, org):
    response = api_upload(importer_client, csv_bytes([person_row("E001", "张三"), person_row("E002", "李四", unit="新公司")]))
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["committed"] is False
    assert (body["rows"], body["created"], body["updated"], body["unchanged"]) == (2, 2, 0, 0)
    assert body["units_to_create"] == ["新公司"]
    assert body["errors"] == []
    assert not Person.objects.filter(employee_no="E001").exists()


def test_the_api_imports_a_file_when_asked(importer_client, org):
    response = api_upload(importer_client, csv_bytes([person_row("E001", "张三")]), dry_run=False)
    assert response.status_code == 200
    assert response.json()["committed"] is True and response.json()["created"] == 1
    assert Person.objects.filter(employee_no="E001").exists()


def test_the_api_reports_row_errors_and_refuses_to_import_them(importer_client, importer, org):
    importer.language = "en"
    importer.save(update_fields=["language"])
    data = csv_bytes([person_row("E001", "张三"), person_row("E002", "李四", manager="X999")])
    checked = api_upload(importer_client, data)
    assert checked.status_code == 200
    assert checked.json()["errors"] == [
        {"row": 3, "column": "manager_no", "field": "manager_no", "message": "No person has the number X999."}]
    refused = api_upload(importer_client, data, dry_run=False)
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 422
    assert refused.json()["errors"][0]["row"] == 3
    assert not Person.objects.filter(employee_no="E001").exists()


@pytest.mark.parametrize(("data", "name"), [(b"\x00garbage\xff" * 50, "roster.xlsx"), (b"", "roster.csv"),
                                            (b"x", "roster.doc")])
def test_the_api_answers_400_for_a_file_it_cannot_read(importer_client, data, name):
    response = api_upload(importer_client, data, name, dry_run=False)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_the_api_refuses_a_file_over_the_size_limit(importer_client, settings):
    settings.IMPORT_MAX_BYTES = 200
    response = api_upload(importer_client, csv_bytes([person_row(f"E{i:03}", "张三") for i in range(20)]))
    assert response.status_code == 400


def test_the_api_keeps_a_training_admin_inside_their_subtree(client, org):
    trainer_admin = org.person(no="A001", name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd).user
    client.force_login(trainer_admin)
    response = api_upload(client, csv_bytes([person_row("E001", "张三", unit="总部/市场部")]), dry_run=False)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "org_unit")]
    assert not Person.objects.filter(employee_no="E001").exists()
