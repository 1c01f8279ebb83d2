import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm, access_for_user
from jifen.tracking.growth import services
from jifen.tracking.growth.models import ApplicationCase, SelfReport
from jifen.tracking.growth.tests.factories import text_file, today

API = "/api/v1/growth"


def _case(team, **extra):
    data = {"person": team.employee, "course": team.course, "title": "用“先复述再方案”主持接口评审",
            "situation": "两边对字段理解不一致", "effect": "十分钟找到分歧点", "applied_on": today()}
    data.update(extra)
    return services.case_create(**data)


def case_form(team, **extra):
    data = {"course": team.course.pk, "title": "周会改为提前发议程", "applied_on": today().isoformat(),
            "situation": "周会经常超时", "effect": "本周会议按时结束", "result": "会议时长 -30%"}
    data.update(extra)
    return data


def test_employee_adds_an_application_case_with_evidence(client, team):
    client.force_login(team.employee.user)
    response = client.post(reverse("growth:case_create"), case_form(team, evidence=text_file()))
    assert response.status_code == 302
    case = ApplicationCase.objects.get()
    assert case.person == team.employee and case.evidence_name == "效果.txt" and len(case.evidence_sha256) == 64
    assert "周会改为提前发议程" in client.get(reverse("growth:my_cases")).content.decode()
    download = client.get(reverse("growth:case_file", args=[case.pk]))
    assert download.status_code == 200


def test_a_fake_evidence_file_is_refused_and_the_form_keeps_the_text(client, team):
    client.force_login(team.employee.user)
    fake = SimpleUploadedFile("截图.png", b"not really a png", content_type="image/png")
    response = client.post(reverse("growth:case_create"), case_form(team, evidence=fake))
    assert response.status_code == 200
    body = response.content.decode()
    assert "周会经常超时" in body
    assert gettext("The evidence file is not really a %(kind)s file.") % {"kind": "PNG"} in body
    assert not ApplicationCase.objects.exists()


def test_a_case_applied_in_the_future_is_refused(team):
    with pytest.raises(ApplicationError) as error:
        _case(team, applied_on=today() + dt.timedelta(days=1))
    assert error.value.field == "applied_on"


def test_manager_confirms_a_case_and_the_employee_sees_the_comment(client, team):
    case = _case(team)
    client.force_login(team.manager.user)
    assert "用“先复述再方案”主持接口评审" in client.get(reverse("growth:archive") + "?pending=1").content.decode()
    response = client.post(reverse("growth:case_confirm", args=[case.pk]), {"comment": "建议在组内分享"})
    assert response.status_code == 302
    client.force_login(team.employee.user)
    body = client.get(reverse("growth:case", args=[case.pk])).content.decode()
    assert "建议在组内分享" in body and gettext("Confirmed") in body


def test_a_case_is_confirmed_once(team):
    case = _case(team)
    people = access_for_user(team.manager.user).people(Perm.TRACKING_FOLLOW)
    services.case_confirm(case=case, confirmer=team.manager.user, people=people)
    with pytest.raises(ApplicationError):
        services.case_confirm(case=case, confirmer=team.admin.user, people=people)


def test_nobody_confirms_their_own_case(team):
    case = _case(team, person=team.manager)
    with pytest.raises(ApplicationError):
        services.case_confirm(case=case, confirmer=team.manager.user, people=None)


def test_a_colleague_cannot_open_someone_elses_case(client, team):
    case = _case(team)
    client.force_login(team.outsider.user)
    assert client.get(reverse("growth:case", args=[case.pk])).status_code == 403
    assert client.get(reverse("growth:case_file", args=[case.pk])).status_code == 403


def test_a_manager_does_not_see_cases_outside_their_unit(client, team):
    case = _case(team, person=team.outsider, title="市场活动复盘")
    client.force_login(team.manager.user)
    assert client.get(reverse("growth:case", args=[case.pk])).status_code == 404
    assert "市场活动复盘" not in client.get(reverse("growth:archive")).content.decode()


def test_one_self_report_per_month(client, team):
    client.force_login(team.employee.user)
    form = {"period": "month", "day": today().isoformat(), "achievements": "评审中使用了复述技巧", "difficulties": ""}
    assert client.post(reverse("growth:report_create"), form).status_code == 302
    again = client.post(reverse("growth:report_create"), {**form, "achievements": "第二份"})
    assert again.status_code == 200
    assert gettext("You have already sent the report for this period.") in again.content.decode()
    assert "第二份" in again.content.decode()
    report = SelfReport.objects.get()
    assert report.period_start == today().replace(day=1)


def test_quarterly_reports_start_on_the_quarter(team):
    report = services.report_create(person=team.employee, period="quarter", day=dt.date(2026, 5, 20),
                                    achievements="本季度三次应用")
    assert report.period_start == dt.date(2026, 4, 1) and report.period_label == "2026 Q2"


def test_manager_confirms_a_self_report(client, team):
    report = services.report_create(person=team.employee, period="month", day=today(), achievements="应用了")
    client.force_login(team.manager.user)
    assert client.post(reverse("growth:report_confirm", args=[report.pk]), {"comment": "继续"}).status_code == 302
    assert SelfReport.objects.get(pk=report.pk).confirmed_by == team.manager.user
    client.force_login(team.employee.user)
    assert "继续" in client.get(reverse("growth:my_reports")).content.decode()


def test_api_creates_a_case_with_a_file_and_lists_mine(client, team):
    client.force_login(team.employee.user)
    response = client.post(f"{API}/cases", {"course_id": team.course.pk, "title": "接口评审", "situation": "争论",
                                            "effect": "达成一致", "applied_on": today().isoformat(),
                                            "file": text_file()})
    assert response.status_code == 201, response.content
    assert response.json()["evidence_name"] == "效果.txt"
    assert [c["title"] for c in client.get(f"{API}/cases/mine").json()] == ["接口评审"]
    bad = client.post(f"{API}/cases", {"course_id": team.course.pk, "title": "", "situation": "争论",
                                       "effect": "达成一致", "applied_on": today().isoformat()})
    assert bad.status_code == 400
    assert bad.json()["detail"] == gettext("Say what you applied.")
