"""Attendance from a spreadsheet: per-row translated errors, all or nothing."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from jifen.learning.attendance import importing, services
from jifen.learning.attendance.models import Attendance, AttendanceStatus, Method
from jifen.learning.attendance.tests.helpers import points
from jifen.org.importing import ImportFileError
from jifen.rules.models import Event


def workbook(*rows, header=("工号", "状态", "原因")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_clean_file_marks_everyone_and_posts_the_points(room):
    table = importing.read(workbook(("RD-0007", "出勤", ""), ("RD-0008", "请假", "病假"), ("RD-0009", "缺勤", "")),
                           "考勤.xlsx")
    plan = importing.commit(session=room.session, table=table, actor=room.trainer.user, now=room.at(130))
    assert plan.committed and plan.changes == 3
    statuses = dict(Attendance.objects.values_list("person__employee_no", "status"))
    assert statuses == {"RD-0007": "present", "RD-0008": "excused", "RD-0009": "absent"}
    assert Attendance.objects.filter(method=Method.IMPORT).count() == 3
    assert points(room.learner) == 5 and points(room.third) == -10


def test_one_bad_row_imports_nothing_and_each_error_names_its_row_and_column(room):
    data = workbook(("RD-0007", "出勤", ""), ("MK-0009", "出勤", ""), ("RD-0008", "请假", ""),
                    ("RD-0009", "睡觉", ""), ("RD-0007", "迟到", ""), ("", "出勤", ""), ("RD-0010", "=1+1", ""))
    table = importing.read(data, "考勤.xlsx")
    with translation.override("zh-hans"), pytest.raises(services.MarksRejected) as rejected:
        importing.commit(session=room.session, table=table, actor=room.trainer.user, now=room.at(130))
    errors = [(e.row, e.column) for e in rejected.value.plan.errors]
    assert errors == [(3, "工号"), (4, "原因"), (5, "状态"), (6, "工号"), (7, "工号"), (8, "工号"), (8, "状态")]
    assert not Attendance.objects.exists() and not Event.objects.exists()


def test_each_error_says_in_words_what_is_wrong_with_the_row(room):
    table = importing.read(workbook(("RD-0008", "请假", ""), ("RD-0009", "睡觉", "")), "考勤.xlsx")
    with translation.override("en"):
        plan = importing.check(session=room.session, table=table, now=room.at(130))
    assert [e.message for e in plan.errors] == [
        "An excused absence needs the leave reason.",
        "“睡觉” is not a status: use present, late, absent or excused (出勤, 迟到, 缺勤, 请假).",
    ]


def test_the_dry_run_writes_nothing(room):
    table = importing.read(workbook(("RD-0007", "present", "")), "考勤.xlsx")
    plan = importing.check(session=room.session, table=table, now=room.at(130))
    assert plan.ok and plan.changes == 1 and not Attendance.objects.exists()


def test_english_column_names_and_csv_work_too(room):
    data = b"employee_no,status,reason\nRD-0007,late,\n"
    table = importing.read(data, "attendance.csv")
    importing.commit(session=room.session, table=table, actor=None, now=room.at(130))
    assert Attendance.objects.get().status == AttendanceStatus.LATE


def test_reimporting_a_corrected_file_counts_each_session_once(room):
    first = importing.read(workbook(("RD-0007", "缺勤", "")), "考勤.xlsx")
    importing.commit(session=room.session, table=first, actor=None, now=room.at(130))
    fixed = importing.read(workbook(("RD-0007", "请假", "公出")), "考勤.xlsx")
    importing.commit(session=room.session, table=fixed, actor=None, now=room.at(131))
    importing.commit(session=room.session, table=fixed, actor=None, now=room.at(132))
    assert points(room.learner) == 0


@pytest.mark.parametrize(("content", "name"), [(b"", "a.xlsx"), (b"not a workbook", "a.xlsx"),
                                               (b"\xd0\xcf\x11\xe0 old", "a.xls"), (b"x", "a.pdf")])
def test_a_file_that_is_not_a_table_is_refused_with_a_clear_message(content, name):
    with pytest.raises(ImportFileError) as refused:
        importing.read(content, name)
    assert str(refused.value.message)


def test_a_file_without_a_status_column_is_refused():
    with pytest.raises(ImportFileError) as refused:
        importing.read(workbook(("RD-0007",), header=("工号",)), "考勤.xlsx")
    assert "status" in str(refused.value.message)


def test_the_template_lists_everyone_enrolled_and_reads_back(room):
    services.mark(session=room.session, person=room.learner, status="absent", now=room.at(30))
    with translation.override("zh-hans"):
        data = importing.template_file(room.session)
        sheet = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in sheet[1]] == ["工号", "状态", "原因", "姓名"]
        assert {row[0].value for row in sheet.iter_rows(min_row=2)} == {"RD-0007", "RD-0008", "RD-0009"}
        table = importing.read(data, "t.xlsx")
        plan = importing.check(session=room.session, table=table, now=room.at(130))
    # rows without a status must be filled in first
    assert {e.row for e in plan.errors} == {3, 4} or len(plan.errors) == 2
