"""Certificates anyone can verify: issued once per achievement, printed as PDF with a code and a QR code,
checked on a public page that shows only what the holder agreed to show."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.catalog.models import Course, CourseKind
from jifen.ledger import services as ledger
from jifen.ledger.models import Currency
from jifen.recognition import certificates
from jifen.recognition.models import Certificate, CertificateKind
from jifen.rules.services import record_event


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


@pytest.fixture
def course(db):
    return Course.objects.create(code="SAFE-01", title="安全生产与应急处置", kind=CourseKind.REQUIRED,
                                 credits=Decimal(4))


def complete(person, course):
    result = record_event(key=f"done-{person.pk}-{course.pk}", type="course.completed", person=person.employee_no,
                          occurred_at=timezone.now() - dt.timedelta(days=1), course=course.code)
    assert result.status == "posted", result.error


def test_completing_a_course_issues_its_certificate_once(learner, course):
    complete(learner, course)
    assert certificates.issue_due(person=learner) == 1
    assert certificates.issue_due(person=learner) == 0
    certificate = Certificate.objects.get(kind=CertificateKind.COURSE)
    assert certificate.title == "安全生产与应急处置" and len(certificate.code) == 14


def test_meeting_the_years_credit_target_issues_the_annual_certificate(org, learner):
    org.engineer.annual_credit_target = Decimal(4)
    org.engineer.save()
    ledger.award(person=learner, currency=Currency.CREDITS, amount=4, key="c", reason="课程完成",
                 credit_type="required")
    certificates.issue_due(person=learner)
    year = timezone.localtime().year
    assert Certificate.objects.filter(kind=CertificateKind.ANNUAL, year=year).count() == 1


def test_reaching_a_level_issues_an_honour_certificate(learner):
    ledger.award(person=learner, currency=Currency.POINTS, amount=120, key="p", reason="出勤")
    certificates.issue_due(person=learner)
    honour = Certificate.objects.get(kind=CertificateKind.HONOUR)
    assert honour.level.min_points == Decimal(100)


def test_the_pdf_is_a_real_pdf_with_chinese_text(client, learner, course):
    complete(learner, course)
    client.force_login(learner.user)
    client.get(reverse("recognition:certificates"))
    certificate = Certificate.objects.get()
    response = client.get(reverse("recognition:certificate_pdf", args=[certificate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 10_000  # fonts embedded


def test_the_verification_page_is_public_and_shows_only_what_the_holder_allows(client, learner, course):
    complete(learner, course)
    certificates.issue_due(person=learner)
    certificate = Certificate.objects.get()
    page = client.get(reverse("recognition:verify", args=[certificate.code])).content.decode()
    assert "安全生产与应急处置" in page and "郑雨桐" not in page and "平台组" not in page
    client.force_login(learner.user)
    client.post(reverse("recognition:certificate_consent", args=[certificate.pk]), {"show_name": "on"})
    client.logout()
    page = client.get(reverse("recognition:verify_lookup"), {"code": certificate.code.lower()}).content.decode()
    assert "郑雨桐" in page and "平台组" not in page


def test_an_unknown_or_revoked_code_is_not_genuine(client, learner, course):
    assert client.get(reverse("recognition:verify", args=["AAAA-BBBB-CCCC"])).status_code == 404
    complete(learner, course)
    certificates.issue_due(person=learner)
    certificate = Certificate.objects.get()
    certificates.revoke(certificate=certificate, reason="课程记录有误")
    page = client.get(reverse("recognition:verify", args=[certificate.code])).content.decode()
    assert "课程记录有误" in page


def test_someone_elses_certificate_is_not_found(client, org, learner, course):
    complete(learner, course)
    certificates.issue_due(person=learner)
    other = org.person(no="E0002")
    client.force_login(other.user)
    certificate = Certificate.objects.get()
    assert client.get(reverse("recognition:certificate_pdf", args=[certificate.pk])).status_code == 404
    assert client.post(reverse("recognition:certificate_consent", args=[certificate.pk]),
                       {"show_name": "on"}).status_code == 404
    certificate.refresh_from_db()
    assert not certificate.show_name


def test_the_qr_code_points_at_the_verification_page(learner, course):
    uri = certificates.qr_data_uri("https://jifen.example/recognition/verify/ABCD-EFGH-JKLM/")
    assert uri.startswith("data:image/svg+xml;base64,")


def test_the_certificates_command_issues_what_is_due(learner, course):
    from io import StringIO

    from django.core.management import call_command

    complete(learner, course)
    out = StringIO()
    call_command("certificates", stdout=out)
    assert Certificate.objects.filter(person=learner, kind=CertificateKind.COURSE).count() == 1
