"""The year's archive (归档): a zip streamed to the browser with the summary, the plans, their reports,
the forms used, the actions and the test results, and a manifest whose checksums match."""

import hashlib
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jifen.tracking.followup import services as followup
from jifen.tracking.growth import services as growth
from jifen.tracking.supervision import exports
from jifen.tracking.supervision.tests.factories import TODAY, YEAR, at, survey_plan

pytestmark = pytest.mark.django_db

REPORTS_READY = (Path(__file__).resolve().parents[2] / "reports" / "documents.py").exists()


def download(client, user, year=YEAR, **params):
    client.force_login(user)
    response = client.get(reverse("supervision:archive_download", args=[year]), params)
    assert response.status_code == 200
    return response


def unzip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(archive: zipfile.ZipFile, name: str, index: int = 0) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(archive.read(name)))
    return list(workbook.worksheets[index].iter_rows(min_row=2, values_only=True))


@pytest.fixture
def year_of_work(example):
    """The example, plus test results, a survey plan (the form it used goes to instruments/) and a check."""
    followup.test_result_record(plan=example.p1, person=example.jia, score=Decimal(92), now=at(TODAY))
    followup.test_result_record(plan=example.p3, person=example.qian, score=Decimal(70), now=at(TODAY))
    example.survey = survey_plan(example, example.platform, [5, 4, 4], title="满意度调查")
    growth.action_check_add(action=example.done_action, actor=example.admin.user, checked_on=TODAY,
                            result="模板已统一", effective=True, now=at(TODAY))
    return example


def test_the_archive_is_streamed_as_a_zip_attachment(year_of_work, client):
    response = download(client, year_of_work.manager.user)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="jifen-archive-{YEAR}.zip"'
    chunks = [chunk for chunk in response.streaming_content if chunk]
    assert chunks[0].startswith(b"PK\x03\x04")
    assert len(chunks) > 5  # written and sent file by file, never built whole in memory first


def test_the_manifest_lists_every_file_with_a_matching_sha256_and_size(year_of_work, client):
    archive = unzip(download(client, year_of_work.auditor.user))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["year"] == YEAR
    listed = {item["path"]: item for item in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for path, item in listed.items():
        data = archive.read(path)
        assert item["size"] == len(data)
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
    assert archive.testzip() is None


def test_the_archive_holds_the_summary_plans_forms_actions_and_test_results(year_of_work, client):
    example = year_of_work
    archive = unzip(download(client, example.manager.user))
    names = set(archive.namelist())
    assert {exports.summary_file_name(YEAR), "plans.xlsx", "actions.xlsx", "test_results.xlsx", "README.txt",
            "manifest.json"} <= names
    assert archive.read(exports.summary_file_name(YEAR)).startswith(b"%PDF")

    plans = sheet_rows(archive, "plans.xlsx")
    assert {row[0] for row in plans} == {example.p1.pk, example.p2.pk, example.survey.pk}
    p1 = next(row for row in plans if row[0] == example.p1.pk)
    assert (p1[10], p1[11], p1[12]) == (4, 3, 1)  # tasks, done, overdue

    forms = [name for name in names if name.startswith("instruments/")]
    assert len(forms) == 1
    form = json.loads(archive.read(forms[0]))
    assert form["form"]["anonymous"] is True and form["version"] == 1
    assert len(form["questions"]) == 6 and form["questions"][0]["kind"] == "likert"

    actions = sheet_rows(archive, "actions.xlsx")
    assert {row[1] for row in actions} == {"统一纪要模板", "增加案例演练", "取消的措施", "明年的措施"}
    checks = sheet_rows(archive, "actions.xlsx", 1)
    assert [(row[0], row[2]) for row in checks] == [(example.done_action.pk, "模板已统一")]

    results = sheet_rows(archive, "test_results.xlsx")
    assert [(row[0], row[1], row[8]) for row in results] == [("RD-0001", "学员甲", "优秀")]


def test_nothing_outside_the_viewers_scope_goes_into_the_archive(year_of_work, client):
    example = year_of_work
    archive = unzip(download(client, example.manager.user))
    everything = b"".join(archive.read(name) for name in archive.namelist() if not name.endswith((".pdf", ".xlsx")))
    for name in archive.namelist():
        assert "市场" not in name
    assert "市场部".encode() not in everything and "钱多多".encode() not in everything
    for book in ("plans.xlsx", "actions.xlsx", "test_results.xlsx"):
        for index in range(len(load_workbook(io.BytesIO(archive.read(book))).worksheets)):
            text = repr(sheet_rows(archive, book, index))
            assert "市场" not in text and "钱多多" not in text

    auditor = unzip(download(client, example.auditor.user))
    assert {row[0] for row in sheet_rows(auditor, "test_results.xlsx")} == {"RD-0001", "MK-0001"}


def test_a_chosen_unit_outside_the_scope_gives_no_archive(year_of_work, client):
    client.force_login(year_of_work.manager.user)
    url = reverse("supervision:archive_download", args=[YEAR])
    assert client.get(url, {"unit": year_of_work.marketing.pk}).status_code == 404


def test_the_readme_explains_the_contents_in_chinese(year_of_work, client):
    from django.utils import translation

    archive = unzip(download(client, year_of_work.manager.user))
    readme = archive.read("README.txt").decode()
    with translation.override("zh-hans"):
        assert _("* plans.xlsx: every tracking plan of the year with the progress of its tasks.") in readme
        assert _("Follow-up archive %(year)d: %(unit)s") % {"year": YEAR, "unit": "研发中心"} in readme


def test_the_archive_page_lists_the_years_with_data_and_says_how_progress_shows(year_of_work, client):
    client.force_login(year_of_work.auditor.user)
    page = client.get(reverse("supervision:archive")).content.decode()
    assert reverse("supervision:archive_download", args=[YEAR]) in page
    assert reverse("supervision:archive_download", args=[YEAR + 1]) in page  # 明年的措施 is due in 2026
    assert reverse("supervision:archive_download", args=[YEAR - 1]) not in page


@pytest.mark.skipif(not REPORTS_READY, reason="jifen.tracking.reports.documents is not written yet")
def test_each_plan_has_its_report_as_pdf_and_excel(year_of_work, client):
    example = year_of_work
    archive = unzip(download(client, example.manager.user))
    for plan in (example.p1, example.p2, example.survey):
        stem = f"reports/{plan.pk}-{exports.safe_name(plan.name)}"
        assert archive.read(f"{stem}.pdf").startswith(b"%PDF")
        assert archive.read(f"{stem}.xlsx").startswith(b"PK")
    assert not any(name.startswith(f"reports/{example.p3.pk}-") for name in archive.namelist())


def test_downloading_the_archive_writes_nothing(year_of_work, client):
    from jifen.tracking.followup.models import Plan, Task
    from jifen.tracking.growth.models import ImprovementAction

    def state():
        return (list(Plan.objects.order_by("pk").values_list("pk", "status", "created_at")),
                list(Task.objects.order_by("pk").values_list("pk", "status", "completed_at")),
                list(ImprovementAction.objects.order_by("pk").values_list("pk", "status", "updated_at")))

    before = state()
    unzip(download(client, year_of_work.auditor.user))
    assert state() == before
