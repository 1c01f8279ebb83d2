"""Who may import what, and for whom: the page's permission and the importer's org unit scope."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from jifen.imports import services
from jifen.imports.kinds import ImportRejected
from jifen.imports.tests.helpers import check, commit, xlsx
from jifen.learning.attendance.models import Attendance
from jifen.org.models import Role
from jifen.org.permissions import access_for_user


def test_a_training_admin_cannot_import_attendance_of_another_units_session(school):
    with translation.override("en"):
        plan = check("attendance", xlsx(("工号", "场次编号", "状态"), ("MK-0009", school.other_session.pk, "出勤")),
                     school.admin)
    assert [(e.column, e.message) for e in plan.errors] == [
        ("场次编号", f"There is no session {school.other_session.pk} among the sessions you run.")]


def test_a_manager_cannot_record_contributions_or_adjust_people_of_another_unit(school):
    header = ("工号", "类型", "标题")
    with pytest.raises(ImportRejected) as rejected:
        commit("contributions", xlsx(header, ("MK-0009", "授课", "市场分析")), school.admin)
    assert [(e.row, e.column) for e in rejected.value.plan.errors] == [(2, "工号")]
    plan = check("adjustments", xlsx(("工号", "币种", "数量", "原因"), ("MK-0009", "积分", 5, "x")), school.admin)
    assert plan.error_rows == 1


def test_nobody_records_their_own_contributions(school):
    plan = check("contributions", xlsx(("工号", "类型", "标题"), ("ADM-01", "授课", "自己")), school.admin)
    assert plan.error_rows == 1


def test_a_trainer_grades_only_the_homework_of_their_sessions_and_never_their_own(school):
    from jifen.learning.attendance.tests.factories import make_session
    from jifen.learning.work.models import Assignment

    other = make_session(org_unit=school.org.marketing, starts_at=school.now, enrol=[school.stranger])
    foreign = Assignment.objects.create(course=other.course, session=other, title="别人的作业", due_at=school.now,
                                        created_by=school.admin.user, created_at=school.now)
    plan = check("homework", xlsx(("工号", "作业编号", "成绩"), ("MK-0009", foreign.pk, 90)), school.trainer)
    assert [e.column for e in plan.errors] == ["作业编号"]


def test_kinds_follow_the_permission_of_their_page(school):
    learner_access = access_for_user(school.learners[0].user)
    assert services.kinds_for(learner_access) == []
    trainer_kinds = {k.key for k in services.kinds_for(access_for_user(school.trainer.user))}
    assert trainer_kinds == {"attendance", "participation", "homework"}
    admin_kinds = {k.key for k in services.kinds_for(access_for_user(school.admin.user))}
    assert admin_kinds == {"attendance", "participation", "homework", "exam_scores", "contributions", "adjustments",
                           "people"}
    with pytest.raises(PermissionDenied):
        services.kind_for("adjustments", access_for_user(school.trainer.user))


def test_an_hr_auditor_proposes_no_adjustments(school):
    auditor = school.org.person(unit=school.org.root, role=Role.HR_AUDITOR)
    with pytest.raises(PermissionDenied):
        services.kind_for("adjustments", access_for_user(auditor.user))
    assert not Attendance.objects.exists()


def test_the_roster_through_the_registry_keeps_the_importers_scope(school, tmp_path):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from jifen.org.models import Person

    path = tmp_path / "花名册.csv"
    path.write_text("工号,姓名,组织\nNEW-2,新同事,总部/市场部\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import", "people", str(path), "--user", school.admin.user.username, stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert not Person.objects.filter(employee_no="NEW-2").exists()
    path.write_text("工号,姓名,组织\nNEW-2,新同事,总部/研发中心/平台组\n", encoding="utf-8")
    call_command("import", "people", str(path), "--user", school.admin.user.username, stdout=io.StringIO())
    assert Person.objects.filter(employee_no="NEW-2").exists()
