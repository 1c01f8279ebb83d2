"""A training admin imports a plan's knowledge and skill test results (知识技能考核成绩) from Excel or CSV:
each row graded 优秀 / 良好 / 合格 / 不合格 by the plan template's thresholds and kept in the learner's
training record, all or nothing, re-importing the same file changing nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook

from jifen.catalog.models import Enrolment
from jifen.org.importing import ImportFileError
from jifen.org.models import Person, Role
from jifen.tracking.followup import importing, services
from jifen.tracking.followup.models import ActivityKind, Grade, TaskStatus, TestResult
from jifen.tracking.followup.tests import factories

NOW = dt.datetime(2026, 3, 23, 10, 0, tzinfo=factories.SHANGHAI)
TODAY = dt.date(2026, 3, 23)


def workbook(*rows, header=("工号", "成绩", "培训前成绩", "考核日期")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _in_chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def setup(org):
    """A session of 平台组 with learners RD-0001 … RD-0004 and its tracking plan (standard template);
    RD-0099 works in 平台组 but was not in the session."""
    _manager, _people, trainer = factories.team(org, size=0)
    people = [org.person(unit=org.platform, no=f"RD-000{i}", name=f"学员{i}") for i in range(1, 5)]
    org.person(unit=org.platform, no="RD-0099", name="未参训")
    session = factories.session(unit=org.platform, trainer=trainer, learners=people, ends_on=dt.date(2026, 3, 6))
    plan = services.plan_create(template=services.default_template(), session=session)
    admin = org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    return plan, people, admin


def grades() -> dict[str, tuple[Decimal, str]]:
    return {r.person.employee_no: (r.score, r.grade) for r in TestResult.objects.select_related("person")}


def test_a_clean_file_grades_every_learner_and_keeps_it_in_their_training_record(setup):
    plan, people, admin = setup
    table = importing.read(workbook(("RD-0001", 95, 70, "2026-03-20"), ("RD-0002", 85.5, None, None),
                                    ("RD-0003", "60", "", dt.date(2026, 3, 19)), ("RD-0004", 59.99, 75, "2026/3/20")),
                           "考核成绩.xlsx")
    result = importing.commit(plan=plan, table=table, actor=admin.user, now=NOW)
    assert result.committed and result.created == 4 and result.updated == 0
    assert grades() == {"RD-0001": (Decimal(95), Grade.EXCELLENT), "RD-0002": (Decimal("85.5"), Grade.GOOD),
                        "RD-0003": (Decimal(60), Grade.PASS), "RD-0004": (Decimal("59.99"), Grade.FAIL)}
    first = TestResult.objects.get(person=people[0])
    assert first.pre_score == 70 and first.improvement == 25 and first.taken_on == dt.date(2026, 3, 20)
    assert first.course == plan.course and first.recorded_by == admin.user
    assert TestResult.objects.get(person=people[1]).taken_on == TODAY  # no date: taken today
    assert TestResult.objects.get(person=people[3]).taken_on == dt.date(2026, 3, 20)
    tests = plan.tasks.filter(kind=ActivityKind.TEST)
    assert tests.count() == 4 and all(t.status == TaskStatus.DONE for t in tests)


def test_the_grades_follow_the_thresholds_of_the_plans_template(setup):
    plan, _people, _admin = setup
    services.template_update(template=plan.template, excellent_from=95, good_from=85, pass_from=70)
    plan.template.refresh_from_db()
    table = importing.read(workbook(("RD-0001", 92), ("RD-0002", 69.5), header=("工号", "成绩")), "t.xlsx")
    result = importing.check(plan=plan, table=table, now=NOW)
    assert [(r.person.employee_no, r.grade_label) for r in result.results] == [("RD-0001", "良好"),
                                                                                ("RD-0002", "不合格")]


def test_the_dry_run_shows_each_rows_outcome_and_grade_and_writes_nothing(setup):
    plan, people, _admin = setup
    services.test_result_record(plan=plan, person=people[0], score=70, taken_on=dt.date(2026, 3, 20), now=NOW)
    services.test_result_record(plan=plan, person=people[1], score=88, taken_on=dt.date(2026, 3, 20), now=NOW)
    table = importing.read(workbook(("RD-0001", 91, None, "2026-03-20"), ("RD-0002", 88, None, "2026-03-20"),
                                    ("RD-0003", 75)), "考核成绩.xlsx")
    before = list(TestResult.objects.order_by("pk").values_list("person_id", "score", "grade", "recorded_at"))
    result = importing.check(plan=plan, table=table, now=NOW)
    rows = [(r.row, r.person.employee_no, r.outcome, r.grade_label, r.previous_score) for r in result.results]
    assert rows == [(2, "RD-0001", "changed", "优秀", Decimal(70)), (3, "RD-0002", "unchanged", "良好", Decimal(88)),
                    (4, "RD-0003", "new", "合格", None)]
    assert (result.created, result.updated, result.unchanged, result.changes) == (1, 1, 1, 2)
    assert [(label, n) for _grade, label, n in result.grade_counts()] == [("优秀", 1), ("良好", 1), ("合格", 1),
                                                                            ("不合格", 0)]
    assert not result.committed and result.ok
    assert list(TestResult.objects.order_by("pk").values_list("person_id", "score", "grade", "recorded_at")) == before


def test_reimporting_the_same_file_changes_nothing_and_a_new_score_regrades_the_result(setup):
    plan, people, admin = setup
    data = workbook(("RD-0001", 72, 50, None), ("RD-0002", 90, None, "2026-03-20"))
    importing.commit(plan=plan, table=importing.read(data, "a.xlsx"), actor=admin.user, now=NOW)
    stored = list(TestResult.objects.order_by("pk").values_list("pk", "score", "pre_score", "grade", "taken_on",
                                                                "recorded_at"))
    later = NOW + dt.timedelta(days=3)  # another day: an empty date still means "as recorded"
    again = importing.commit(plan=plan, table=importing.read(data, "a.xlsx"), actor=admin.user, now=later)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(TestResult.objects.order_by("pk").values_list("pk", "score", "pre_score", "grade", "taken_on",
                                                              "recorded_at")) == stored
    corrected = workbook(("RD-0001", 81, None, None), header=("工号", "成绩", "培训前成绩", "考核日期"))
    fixed = importing.commit(plan=plan, table=importing.read(corrected, "b.xlsx"), actor=admin.user, now=later)
    assert (fixed.created, fixed.updated) == (0, 1)
    result = TestResult.objects.get(person=people[0])
    assert (result.score, result.grade, result.pre_score, result.taken_on) == (81, Grade.GOOD, 50, TODAY)
    assert TestResult.objects.count() == 2
    # the same score recorded on the plan page gives the same grade
    by_hand = services.test_result_record(plan=plan, person=people[0], score=81, pre_score=50, taken_on=TODAY)
    assert by_hand.grade == result.grade


def test_one_bad_row_imports_nothing_and_each_error_names_its_row_and_column(setup):
    plan, _people, admin = setup
    data = workbook(
        ("RD-0001", 95, None, None),           # 2: fine
        ("NOBODY-1", 80, None, None),          # 3: unknown employee number
        ("RD-0099", 80, None, None),           # 4: not a learner of this plan
        ("RD-0002", "八十", None, None),        # 5: score not a number
        ("RD-0003", 101, None, None),          # 6: score above 100
        ("RD-0004", 70, None, "下周一"),         # 7: bad date
        ("RD-0001", 90, None, None),           # 8: the same number again
        ("=HYPERLINK(\"x\")", "=A2*2", None, None),  # 9: formulas
        ("", None, -5, "2026-03-20"),          # 10: no number, no score, negative pre-score
        ("RD-0004", 80, None, "2099-01-01"),   # 11: a date after today (RD-0004 first seen on row 7)
    )
    table = importing.read(data, "考核成绩.xlsx")
    with pytest.raises(importing.TestImportRejected) as rejected:
        importing.commit(plan=plan, table=table, actor=admin.user, now=NOW)
    errors = [(e.row, e.column, e.message) for e in rejected.value.result.errors]
    formula = _("This cell holds a formula or starts like one (=, +, -, @). Formulas are not imported: type the "
                "value itself.")
    assert errors == [
        (3, "工号", _("No one has the employee number %(no)s.") % {"no": "NOBODY-1"}),
        (4, "工号", _("%(no)s is not a learner of this plan: they are not enrolled in its training.") % {"no": "RD-0099"}),
        (5, "成绩", _("“%(value)s” is not a number: write the score, such as 86.5.") % {"value": "八十"}),
        (6, "成绩", _("Enter a score from 0 to 100.")),
        (7, "考核日期", _("“%(value)s” is not a date: write it as 2024-03-01.") % {"value": "下周一"}),
        (8, "工号", _("The number %(no)s is also on row %(row)d: each person may appear only once.")
         % {"no": "RD-0001", "row": 2}),
        (9, "工号", formula),
        (9, "成绩", formula),
        (10, "工号", _("Each row needs an employee or student number.")),
        (10, "成绩", _("Each row needs a score.")),
        (10, "培训前成绩", _("Enter a score from 0 to 100.")),
        (11, "工号", _("The number %(no)s is also on row %(row)d: each person may appear only once.")
         % {"no": "RD-0004", "row": 7}),
        (11, "考核日期", _("The test cannot have been taken after today (%(today)s).") % {"today": "2026-03-23"}),
    ]
    assert rejected.value.result.error_rows == 9
    assert rejected.value.message == ngettext("%(count)d row has errors; nothing was imported.",
                                              "%(count)d rows have errors; nothing was imported.", 9) % {"count": 9}
    assert not TestResult.objects.exists()
    assert not plan.tasks.filter(kind=ActivityKind.TEST, status=TaskStatus.DONE).exists()


def test_a_csv_with_english_column_names_is_read_too(setup):
    plan, _people, _admin = setup
    data = "Employee No,Score,Pre-training score,Date taken\nRD-0001,88,60,2026-03-20\nRD-0002,91.25,,\n"
    table = importing.read(data.encode("gb18030"), "results.csv")
    result = importing.commit(plan=plan, table=table, now=NOW)
    assert result.created == 2
    assert grades() == {"RD-0001": (Decimal(88), Grade.GOOD), "RD-0002": (Decimal("91.25"), Grade.EXCELLENT)}


def test_a_programme_plan_takes_results_of_the_learners_of_any_of_its_sessions(org):
    first, second = (org.person(unit=org.platform, no=f"PG-000{i}") for i in (1, 2))
    sessions = [factories.session(unit=org.platform, learners=[first]),
                factories.session(unit=org.platform, learners=[second], ends_on=dt.date(2026, 3, 13))]
    plan = services.programme_plan_create(name="新员工训练营", sessions=sessions, template=services.default_template())
    table = importing.read(workbook(("PG-0001", 66), ("PG-0002", 99), header=("工号", "成绩")), "t.xlsx")
    assert importing.commit(plan=plan, table=table, now=NOW).created == 2
    assert grades() == {"PG-0001": (Decimal(66), Grade.PASS), "PG-0002": (Decimal(99), Grade.EXCELLENT)}


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"%PDF-1.4 ...", "成绩.pdf", "Only .xlsx and .csv files can be imported."),
    (b"", "成绩.xlsx", "The file is empty."),
    (b"not a workbook at all", "成绩.xlsx",
     "This file is not a real .xlsx workbook. Save it from Excel or WPS as .xlsx, or as .csv."),
    ("工号,成绩\n".encode(), "成绩.csv", "The file names its columns but has no rows of test results below them."),
])
def test_a_file_that_is_not_a_table_of_results_is_refused_with_a_clear_reason(setup, content, name, message):
    with pytest.raises(ImportFileError) as refused:
        importing.read(content, name)
    assert refused.value.message == _(message)


def test_a_file_without_a_score_column_says_which_column_is_missing(setup):
    with pytest.raises(ImportFileError) as refused:
        importing.read(workbook(("RD-0001", "张三"), header=("工号", "姓名")), "成绩.xlsx")
    assert "score (成绩)" in refused.value.message


def test_a_file_over_the_size_limit_is_refused(setup, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError) as refused:
        importing.read(workbook(*[("RD-0001", 90)] * 20, header=("工号", "成绩")), "成绩.xlsx")
    assert refused.value.message == _("The file is larger than %(size)s, the most an import accepts.") % {
        "size": filesizeformat(100)}


def test_the_template_has_the_columns_and_an_example_row_that_imports(setup):
    plan, _people, _admin = setup
    data = importing.template_file(plan, today=TODAY)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.values)
    assert list(rows[0][:4]) == ["工号", "成绩", "培训前成绩", "考核日期"]
    assert rows[1][0] == "RD-0001" and rows[1][1] == 86.5 and len(rows) == 2
    result = importing.check(plan=plan, table=importing.read(data, "template.xlsx"), now=NOW)
    assert result.ok and result.created == 1 and result.results[0].grade == Grade.GOOD
    assert result.ignored_columns == [_("name (not imported)")]


# ---------------------------------------------------------------- thousands of rows


@pytest.fixture
def big_plan(org):
    """A plan (test only) for a session of 3,000 learners."""
    people = Person.objects.bulk_create(
        Person(employee_no=f"BIG{i:05d}", name=f"学员{i}", org_unit=org.platform) for i in range(3000))
    people = list(Person.objects.filter(employee_no__startswith="BIG").order_by("employee_no"))
    session = factories.session(unit=org.platform)
    Enrolment.objects.bulk_create(Enrolment(session=session, person=p) for p in people)
    template = services.template_create(name="只考核")
    services.activity_add(template=template, kind=ActivityKind.TEST, offset=2, audiences=["learner"])
    return services.plan_create(template=template, session=session), people


def csv_of(people, score) -> bytes:
    lines = ["工号,成绩"] + [f"{p.employee_no},{score(i)}" for i, p in enumerate(people)]
    return "\n".join(lines).encode()


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_thousands_of_rows_are_checked_and_imported_with_a_number_of_queries_that_does_not_grow_per_row(big_plan):
    plan, people = big_plan
    small = importing.read(csv_of(people[:10], lambda i: 50 + i % 50), "small.csv")
    large = importing.read(csv_of(people, lambda i: 50 + i % 50), "large.csv")
    assert queries(lambda: importing.check(plan=plan, table=small, now=NOW)) == \
        queries(lambda: importing.check(plan=plan, table=large, now=NOW))
    commit_queries = queries(lambda: importing.commit(plan=plan, table=large, now=NOW))
    assert commit_queries < 100  # in batches, never one per row
    assert TestResult.objects.filter(plan=plan).count() == 3000
    assert not plan.tasks.exclude(status=TaskStatus.DONE).exists()
    assert queries(lambda: importing.commit(plan=plan, table=small, now=NOW)) == \
        queries(lambda: importing.commit(plan=plan, table=large, now=NOW))  # nothing changes: reads only
    changed = importing.read(csv_of(people, lambda i: 100 - i % 50), "changed.csv")
    assert queries(lambda: importing.commit(plan=plan, table=changed, now=NOW)) < 100
    assert TestResult.objects.get(person=people[0]).grade == Grade.EXCELLENT


def test_thousands_of_unknown_numbers_are_each_reported_without_a_query_per_row(big_plan):
    plan, _people = big_plan
    strangers = "\n".join(["工号,成绩"] + [f"NOPE{i:05d},80" for i in range(3000)]).encode()
    table = importing.read(strangers, "strangers.csv")
    with CaptureQueriesContext(connection) as captured:
        result = importing.check(plan=plan, table=table, now=NOW)
    assert result.error_rows == 3000 and len(captured) < 20


# ---------------------------------------------------------------- the page, the API and the command


def test_a_training_admin_checks_a_file_on_the_page_then_imports_it(client, setup):
    plan, _people, admin = setup
    client.force_login(admin.user)
    plan_page = client.get(reverse("followup:plan", args=[plan.pk])).content.decode()
    assert reverse("followup:test_import", args=[plan.pk]) in plan_page
    upload = io.BytesIO(workbook(("RD-0001", 95), ("RD-0002", 40), ("RD-0003", 86.5), header=("工号", "成绩")))
    upload.name = "考核成绩.xlsx"
    response = client.post(reverse("followup:test_import", args=[plan.pk]), {"file": upload, "check_only": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "学员1" in body and "优秀" in body and "不合格" in body and _("New result") in body
    assert ">86.5<" in body  # as written, not 86.50
    assert 'data-chart="grades-chart"' in body
    assert not TestResult.objects.exists()
    token = response.context["token"]
    confirmed = client.post(reverse("followup:test_import", args=[plan.pk]), {"token": token})
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("followup:plan", args=[plan.pk])
    assert grades() == {"RD-0001": (Decimal(95), Grade.EXCELLENT), "RD-0002": (Decimal(40), Grade.FAIL),
                        "RD-0003": (Decimal("86.5"), Grade.GOOD)}
    again = client.post(reverse("followup:test_import", args=[plan.pk]), {"token": token})
    assert again.status_code == 302  # the checked file is used once


def test_errors_on_the_page_list_row_column_and_reason_and_nothing_is_saved(client, setup):
    plan, _people, admin = setup
    client.force_login(admin.user)
    upload = io.BytesIO("工号,成绩\nRD-0001,90\nRD-0099,abc\n".encode())
    upload.name = "考核成绩.csv"
    response = client.post(reverse("followup:test_import", args=[plan.pk]), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert ngettext("%(count)d row has errors; nothing was imported.",
                    "%(count)d rows have errors; nothing was imported.", 1) % {"count": 1} in body
    assert "RD-0099" in body and response.context["errors"][0].row == 3
    assert not TestResult.objects.exists()


def test_an_upload_that_is_not_a_spreadsheet_is_refused_on_the_page(client, setup):
    plan, _people, admin = setup
    client.force_login(admin.user)
    upload = io.BytesIO(b"%PDF-1.4")
    upload.name = "成绩.pdf"
    response = client.post(reverse("followup:test_import", args=[plan.pk]), {"file": upload})
    assert response.status_code == 200
    assert _("Only .xlsx and .csv files can be imported.") in response.content.decode()
    assert not TestResult.objects.exists()


def test_the_template_downloads_as_a_workbook(client, setup):
    plan, _people, admin = setup
    client.force_login(admin.user)
    response = client.get(reverse("followup:test_import_template", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "工号"


def test_the_api_checks_then_imports_a_file_and_refuses_one_with_errors(client, setup):
    plan, _people, admin = setup
    client.force_login(admin.user)
    url = f"/api/v1/tracking/plans/{plan.pk}/test-results/import"
    good = io.BytesIO("工号,成绩,考核日期\nRD-0001,77,2026-03-20\n".encode())
    good.name = "r.csv"
    checked = client.post(url, {"file": good}).json()
    assert checked["dry_run"] and not checked["committed"] and checked["plan_id"] == plan.pk
    assert checked["results"][0] | {"score": None} == {
        "row": 2, "employee_no": "RD-0001", "name": "学员1", "outcome": "new", "score": None, "pre_score": None,
        "taken_on": "2026-03-20", "grade": "pass", "grade_label": "合格", "previous_score": None,
        "previous_grade": None}
    assert not TestResult.objects.exists()
    good.seek(0)
    done = client.post(f"{url}?dry_run=false", {"file": good})
    assert done.status_code == 200 and done.json()["committed"] and done.json()["created"] == 1
    bad = io.BytesIO("工号,成绩\nRD-0001,88\nRD-0002,120\n".encode())
    bad.name = "r.csv"
    refused = client.post(f"{url}?dry_run=false", {"file": bad})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"row": 3, "column": "成绩", "field": "score",
                                         "message": _("Enter a score from 0 to 100.")}]
    assert grades() == {"RD-0001": (Decimal(77), Grade.PASS)}
    empty = io.BytesIO(b"")
    empty.name = "r.csv"
    assert client.post(url, {"file": empty}).status_code == 400


def test_the_command_prints_each_rows_errors_and_fails_then_imports_a_good_file(setup, tmp_path):
    plan, _people, _admin = setup
    bad = tmp_path / "bad.csv"
    bad.write_text("工号,成绩\nRD-0001,88\nXX-1,70\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_test_results", str(plan.pk), str(bad), "--dry-run", stdout=out, stderr=err)
    assert _("Row %(row)d, %(column)s: %(message)s") % {
        "row": 3, "column": "工号", "message": _("No one has the employee number %(no)s.") % {"no": "XX-1"}} \
        in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_text("工号,成绩\nRD-0001,88\n", encoding="utf-8")
    call_command("import_test_results", str(plan.pk), str(good), stdout=out, stderr=err)
    assert grades() == {"RD-0001": (Decimal(88), Grade.GOOD)}
    assert TestResult.objects.get().taken_on == timezone.localdate()
    with pytest.raises(CommandError):
        call_command("import_test_results", "999999", str(good), stdout=out, stderr=err)
