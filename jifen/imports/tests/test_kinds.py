"""Each kind of import: the template filled in imports cleanly, row errors name the row and the column
(in Chinese), one bad row imports nothing, and the same file again changes nothing."""

import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation
from openpyxl import load_workbook

from jifen.imports.kinds import KINDS, ImportRejected
from jifen.imports.tests.helpers import check, commit, csv_bytes, xlsx
from jifen.learning.attendance.models import Attendance, Participation
from jifen.learning.exams.models import Attempt
from jifen.learning.work.models import Submission
from jifen.ledger.models import AdjustmentBatch, AdjustmentLine, Entry
from jifen.rules.models import Event


def points(person) -> Decimal:
    total = Entry.objects.filter(account__person=person, account__currency="points").aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)


# kind → (who imports, rows for the learners)
def _rows(school, kind):
    s, q, a = school.session.pk, school.exam.pk, school.assignment.pk
    nos = school.numbers
    return {
        "attendance": (school.trainer, [(nos[0], s, "出勤", ""), (nos[1], s, "请假", "病假"), (nos[2], s, "缺勤", "")]),
        "participation": (school.trainer, [(nos[0], s, "积极"), (nos[1], s, "一般")]),
        "exam_scores": (school.admin, [(nos[0], q, 86.5, ""), (nos[1], q, 40, "")]),
        "homework": (school.trainer, [(nos[0], a, 92, "很好", ""), (nos[1], a, 70, "", "")]),
        "contributions": (school.admin, [(nos[0], "授课", "新员工培训", ""), (nos[1], "经验分享", "客户投诉处理", "")]),
        "adjustments": (school.admin, [(nos[0], "积分", 10, "补录签到", ""), (nos[1], "积分", -5, "重复计入", "")]),
    }[kind]


def _written(kind) -> int:
    return {
        "attendance": lambda: Attendance.objects.count(),
        "participation": lambda: Participation.objects.count(),
        "exam_scores": lambda: Attempt.objects.count(),
        "homework": lambda: Submission.objects.filter(status="graded").count(),
        "contributions": lambda: Event.objects.filter(key__startswith="imp:contrib:").count(),
        "adjustments": lambda: AdjustmentLine.objects.count(),
    }[kind]()


KIND_KEYS = ["attendance", "participation", "exam_scores", "homework", "contributions", "adjustments"]


def _filled_template(kind: str, rows, fmt: str = "xlsx") -> bytes:
    with translation.override("zh-hans"):
        content, _type, _name = KINDS[kind].template_file(fmt)
    if fmt == "csv":
        header = content.decode("utf-8-sig").splitlines()[0].split(",")
        return csv_bytes(header, *rows)
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    return xlsx(header, *rows)


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_the_template_filled_in_imports_and_the_same_file_again_changes_nothing(school, kind):
    who, rows = _rows(school, kind)
    data = _filled_template(kind, rows)
    plan = check(kind, data, who)
    assert plan.ok, plan.errors
    assert plan.new == len(rows) and plan.unchanged == 0
    assert _written(kind) == 0  # the dry run writes nothing
    done = commit(kind, data, who)
    assert done.committed and done.new == len(rows)
    assert _written(kind) == len(rows)
    events, entries = Event.objects.count(), Entry.objects.count()
    again = commit(kind, data, who)
    assert again.new == again.changed == 0 and again.unchanged == len(rows)
    assert (_written(kind), Event.objects.count(), Entry.objects.count()) == (len(rows), events, entries)


@pytest.mark.parametrize("kind", ["attendance", "contributions"])
def test_a_csv_template_in_chinese_imports_too(school, kind):
    who, rows = _rows(school, kind)
    assert commit(kind, _filled_template(kind, rows, "csv"), who, "导入.csv").new == len(rows)


def test_attendance_and_participation_post_the_points_of_the_rules(school):
    who, rows = _rows(school, "attendance")
    commit("attendance", xlsx(("工号", "场次编号", "状态", "原因"), *rows), who)
    assert points(school.learners[2]) < 0 < points(school.learners[0])
    assert set(Event.objects.values_list("key", flat=True)) == {
        f"att:{school.session.pk}:{p.pk}" for p in school.learners}


def test_a_changed_status_is_corrected_once_and_the_old_points_reversed(school):
    nos, s = school.numbers, school.session.pk
    commit("attendance", xlsx(("工号", "场次编号", "状态"), (nos[0], s, "缺勤")), school.trainer)
    absent = points(school.learners[0])
    plan = commit("attendance", xlsx(("工号", "场次编号", "状态"), (nos[0], s, "出勤"), (nos[1], s, "出勤")),
                  school.trainer)
    assert (plan.new, plan.changed) == (1, 1)
    assert Attendance.objects.get(person=school.learners[0]).status == "present"
    assert points(school.learners[0]) > 0 > absent


def test_an_exam_score_becomes_an_attempt_and_an_exam_event_with_the_score(school):
    commit("exam_scores", xlsx(("工号", "测验编号", "成绩"), (school.numbers[0], school.exam.pk, 86.5)), school.admin)
    attempt = Attempt.objects.get()
    assert (attempt.score, attempt.passed, attempt.status) == (Decimal("86.5"), True, "submitted")
    event = Event.objects.get(key=attempt.event_key)
    assert event.type == "exam.scored" and event.data["score"] == 86.5


def test_another_score_for_an_exam_already_imported_is_refused(school):
    header = ("工号", "测验编号", "成绩")
    commit("exam_scores", xlsx(header, (school.numbers[0], school.exam.pk, 86.5)), school.admin)
    plan = check("exam_scores", xlsx(header, (school.numbers[0], school.exam.pk, 90)), school.admin)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "成绩")]


def test_paper_homework_is_handed_in_graded_and_counted_late_by_its_date(school):
    header = ("工号", "作业编号", "成绩", "评语", "提交日期")
    late = school.now.date()  # due an hour ago; noon today may be after or clipped to now
    commit("homework", xlsx(header, (school.numbers[0], school.assignment.pk, 88, "好", "")), school.trainer)
    submission = Submission.objects.get()
    assert submission.on_time and submission.score == Decimal(88) and submission.graded_by == school.trainer.user
    assert Event.objects.filter(key=f"hw:{school.assignment.pk}:{school.learners[0].pk}", type="homework.on_time")
    assert late  # the date column is accepted
    regrade = commit("homework", xlsx(header, (school.numbers[0], school.assignment.pk, 91, "好", "")), school.trainer)
    assert regrade.changed == 1 and Submission.objects.get().score == Decimal(91)


def test_adjustments_are_proposed_for_approval_not_posted(school):
    who, rows = _rows(school, "adjustments")
    commit("adjustments", xlsx(("工号", "币种", "数量", "原因", "学分类型"), *rows), who)
    batch = AdjustmentBatch.objects.get()
    assert batch.status == "proposed" and batch.proposed_by == school.admin.user
    assert not Entry.objects.exists()


def test_a_rejected_adjustment_file_may_be_proposed_again(school):
    from jifen.ledger.adjustments import adjustment_reject
    from jifen.org.models import Role

    who, rows = _rows(school, "adjustments")
    data = xlsx(("工号", "币种", "数量", "原因", "学分类型"), *rows)
    commit("adjustments", data, who)
    auditor = school.org.person(unit=school.org.root, role=Role.HR_AUDITOR)
    adjustment_reject(batch=AdjustmentBatch.objects.get(), approver=auditor.user, note="金额不对")
    assert check("adjustments", data, who).new == 2


def test_each_bad_row_is_named_with_its_row_and_chinese_column_and_nothing_is_imported(school):
    nos, s = school.numbers, school.session.pk
    data = xlsx(("工号", "场次编号", "状态", "原因"),
                (nos[0], s, "出勤", ""),        # 2: fine
                ("NOPE-1", s, "出勤", ""),      # 3: unknown person
                (nos[1], 999999, "出勤", ""),   # 4: unknown session
                (nos[1], s, "睡觉", ""),        # 5: not a status
                (nos[0], s, "迟到", ""),        # 6: the same person twice
                (nos[2], s, "请假", ""),        # 7: excused without a reason
                ("MK-0009", s, "出勤", ""),     # 8: not enrolled
                (nos[2], "abc", "出勤", ""))    # 9: not a session number
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as rejected:
        commit("attendance", data, school.trainer)
    errors = [(e.row, e.column) for e in rejected.value.plan.errors]
    assert errors == [(3, "工号"), (4, "场次编号"), (5, "状态"), (6, "工号"), (7, "原因"), (8, "工号"), (9, "场次编号")]
    assert not Attendance.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize("kind,bad", [
    ("exam_scores", lambda s: [(s.numbers[0], s.exam.pk, 101, ""), (s.numbers[1], 424242, 50, ""),
                               (s.numbers[2], s.exam.pk, "八十", "2999-01-01")]),
    ("homework", lambda s: [(s.numbers[0], s.assignment.pk, 80.55, "", ""), (s.numbers[1], 424242, 50, "", ""),
                            ("MK-0009", s.assignment.pk, 50, "", "")]),
    ("participation", lambda s: [(s.numbers[0], s.session.pk, "很好"), (s.numbers[1], s.session.pk, "积极"),
                                 (s.numbers[1], s.session.pk, "积极")]),
    ("contributions", lambda s: [(s.numbers[0], "写诗", "标题", ""), (s.numbers[1], "授课", "", ""),
                                 (s.numbers[2], "授课", "题", "昨天")]),
    ("adjustments", lambda s: [(s.numbers[0], "金币", 10, "x", ""), (s.numbers[1], "积分", "abc", "x", "")]),
])
def test_every_kind_refuses_a_file_with_bad_rows_whole(school, kind, bad):
    who, _rows_ok = _rows(school, kind)
    rows = bad(school)
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as rejected:
        commit(kind, _filled_template(kind, rows), who)
    assert rejected.value.plan.error_rows == len(rows) - (1 if kind == "participation" else 0)
    assert _written(kind) == 0 and not Event.objects.exists()
    # The column names the file uses (Chinese, from the template) say where each error is.
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.column) for e in rejected.value.plan.errors)
