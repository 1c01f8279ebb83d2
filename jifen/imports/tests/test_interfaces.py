"""The same imports from the web pages (upload → check → commit, a large file in the background with
its progress), the API (problem+json) and the command line."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from jifen.imports.models import ImportRun, RunStatus
from jifen.imports.tests.helpers import xlsx
from jifen.learning.attendance.models import Attendance, Participation
from jifen.ledger.models import AdjustmentBatch
from jifen.org.models import Person
from jifen.rules.models import Event


def _login(client, person):
    client.force_login(person.user)
    return client


def _attendance(school):
    return xlsx(("工号", "场次编号", "状态", "原因"), *[(no, school.session.pk, "出勤", "") for no in school.numbers])


def test_the_page_checks_the_upload_then_imports_it_all_at_once(client, school):
    _login(client, school.trainer)
    index = client.get(reverse("imports:index"))
    assert index.status_code == 200 and b'data-kind="attendance"' in index.content
    assert b'data-kind="adjustments"' not in index.content
    upload = io.BytesIO(_attendance(school))
    upload.name = "考勤.xlsx"
    response = client.post(reverse("imports:upload", args=["attendance"]), {"file": upload})
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert review.status_code == 200 and b'data-count="new">3<' in review.content
    assert not Attendance.objects.exists()
    done = client.post(response["Location"], {"action": "commit"})
    assert done.status_code == 302 and Attendance.objects.count() == 3


def test_a_file_with_errors_shows_them_paged_and_offers_no_import(client, school):
    _login(client, school.trainer)
    upload = io.BytesIO(xlsx(("工号", "场次编号", "状态"), *[(f"X{n}", school.session.pk, "出勤") for n in range(130)]))
    upload.name = "考勤.xlsx"
    location = client.post(reverse("imports:upload", args=["attendance"]), {"file": upload})["Location"]
    page = client.get(location)
    assert page.content.count(b'class="bad"') == 100 and b'value="commit"' not in page.content
    assert client.get(location + "?page=2").content.count(b'class="bad"') == 30


def test_a_large_file_is_imported_in_the_background_with_its_progress(client, school, settings):
    settings.IMPORTS_BACKGROUND_ROWS = 2
    _login(client, school.trainer)
    upload = io.BytesIO(xlsx(("工号", "场次编号", "参与度"), *[(no, school.session.pk, "积极") for no in school.numbers]))
    upload.name = "参与.xlsx"
    location = client.post(reverse("imports:upload", args=["participation"]), {"file": upload})["Location"]
    response = client.post(location, {"action": "commit"})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    assert run.status == RunStatus.DONE and run.new == 3 and Participation.objects.count() == 3
    progress = client.get(reverse("imports:run_progress", args=[run.pk]))
    assert b"100%" in progress.content and b"hx-trigger" not in progress.content
    assert not list((settings.MEDIA_ROOT / "bulk-imports").glob("*/*.data"))  # the upload is gone once done


def test_a_running_import_is_polled_and_shows_how_far_it_got(client, school):
    from jifen.imports import services

    run = ImportRun.objects.create(kind="attendance", user=school.trainer.user, file_name="a.xlsx", total=200,
                                   status=RunStatus.RUNNING, created_at=school.now)
    services._save_progress(run.pk, 50)
    page = _login(client, school.trainer).get(reverse("imports:run", args=[run.pk]))
    assert b"hx-trigger" in page.content and b"width: 25%" in page.content
    client.logout()
    _login(client, school.admin)
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404  # someone else's


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_downloads_in_chinese(client, school, fmt):
    response = _login(client, school.trainer).get(reverse("imports:template", args=["attendance", fmt]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    if fmt == "xlsx":
        header = [c.value for c in load_workbook(io.BytesIO(response.content)).active[1]]
        assert header == ["工号", "场次编号", "状态", "原因"]
    assert client.get(reverse("imports:template", args=["adjustments", fmt])).status_code == 403


def test_the_api_checks_by_default_and_commits_on_request(client, school):
    _login(client, school.trainer)
    url = "/api/v1/imports/attendance"
    upload = io.BytesIO(_attendance(school))
    upload.name = "考勤.xlsx"
    checked = client.post(url, {"file": upload})
    assert checked.status_code == 200 and checked.json()["new"] == 3 and checked.json()["dry_run"]
    assert not Attendance.objects.exists()
    upload.seek(0)
    done = client.post(url + "?dry_run=false", {"file": upload})
    assert done.status_code == 200 and done.json()["committed"] and Attendance.objects.count() == 3
    template = client.get(url + "/template?format=csv")
    assert template.status_code == 200 and template.content.decode("utf-8-sig").startswith("工号")


def test_the_api_refuses_bad_rows_with_problem_details_and_unknown_kinds(client, school):
    _login(client, school.trainer)
    upload = io.BytesIO(xlsx(("工号", "场次编号", "状态"), ("NOPE", school.session.pk, "出勤")))
    upload.name = "考勤.xlsx"
    refused = client.post("/api/v1/imports/attendance?dry_run=false", {"file": upload})
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["row"] == 2
    assert client.post("/api/v1/imports/adjustments", {"file": upload}).status_code == 403
    assert client.get("/api/v1/imports/nothing/template").status_code == 404
    garbage = io.BytesIO(b"not a workbook")
    garbage.name = "x.xlsx"
    assert client.post("/api/v1/imports/attendance", {"file": garbage}).status_code == 400


def test_the_command_line_imports_every_kind_and_people_as_before(school, tmp_path):
    path = tmp_path / "考勤.xlsx"
    path.write_bytes(_attendance(school))
    out = io.StringIO()
    call_command("import", "attendance", str(path), "--dry-run", stdout=out)
    assert not Attendance.objects.exists() and "3" in out.getvalue()
    call_command("import", "attendance", str(path), stdout=io.StringIO())
    assert Attendance.objects.count() == 3 and Event.objects.count() == 3
    out = io.StringIO()
    call_command("import", "attendance", str(path), stdout=out)
    assert Event.objects.count() == 3 and re.search(r"3", out.getvalue())
    roster = tmp_path / "花名册.csv"
    roster.write_text("工号,姓名,组织\nNEW-1,新同事,总部/市场部\n", encoding="utf-8")
    call_command("import", "people", str(roster), stdout=io.StringIO())
    assert Person.objects.filter(employee_no="NEW-1").exists()


def test_the_command_line_needs_a_proposer_for_adjustments_and_refuses_bad_files(school, tmp_path):
    path = tmp_path / "调整.xlsx"
    path.write_bytes(xlsx(("工号", "币种", "数量", "原因"), (school.numbers[0], "积分", 5, "补录")))
    with pytest.raises(CommandError):
        call_command("import", "adjustments", str(path), stdout=io.StringIO())
    call_command("import", "adjustments", str(path), "--user", school.admin.user.username, stdout=io.StringIO())
    assert AdjustmentBatch.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(("工号", "场次编号", "状态"), ("NOPE", school.session.pk, "出勤")))
    with pytest.raises(CommandError):
        call_command("import", "attendance", str(bad), stdout=io.StringIO(), stderr=io.StringIO())


def test_every_kind_has_an_upload_page_explaining_its_columns(client, school):
    from jifen.imports.kinds import KINDS

    client.force_login(school.org.system_admin())
    for key, kind in KINDS.items():
        page = client.get(reverse("imports:upload", args=[key]))
        assert page.status_code == 200, key
        for column in kind.columns:
            assert f"<code>{column.key}</code>".encode() in page.content, (key, column.key)


@pytest.mark.parametrize("kind,header,row", [
    ("adjustments", ("工号", "币种", "数量", "原因"), ("RD-0007", "积分", 5, "补录")),
    ("people", ("工号", "姓名", "组织"), ("NEW-9", "新同事", "总部/研发中心/平台组")),
])
def test_the_roster_and_adjustments_go_through_the_same_pages(client, school, kind, header, row):
    _login(client, school.admin)
    upload = io.BytesIO(xlsx(header, row))
    upload.name = "文件.xlsx"
    location = client.post(reverse("imports:upload", args=[kind]), {"file": upload})["Location"]
    review = client.get(location)
    assert review.status_code == 200 and b'data-count="new">1<' in review.content
    assert client.post(location, {"action": "commit"}).status_code == 302
    if kind == "adjustments":
        assert AdjustmentBatch.objects.get().status == "proposed"
    else:
        assert Person.objects.filter(employee_no="NEW-9").exists()


def test_a_background_import_that_finds_errors_imports_nothing_and_says_why(school):
    from jifen.imports import services
    from jifen.imports.kinds import KINDS

    data = xlsx(("工号", "场次编号", "参与度"), (school.numbers[0], school.session.pk, "积极"),
                ("NOPE", school.session.pk, "积极"))
    token = services.PARKED.park(school.trainer.user.pk, "参与.xlsx", data)
    run = services.run_queue(kind=KINDS["participation"], user=school.trainer.user, token=token,
                             file_name="参与.xlsx", rows=2)
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "NOPE" in run.error
    assert not Participation.objects.exists() and not Event.objects.exists()
    services.run_execute(run_id=run.pk)  # a second worker picking it up again does nothing
    assert ImportRun.objects.get().status == RunStatus.FAILED
