"""Manual adjustments with maker-checker, in the users' terms: a training admin proposes, someone
with the HR / auditor role approves or rejects, and only an approval posts."""

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jifen.core.errors import ApplicationError
from jifen.ledger import adjustment_file, adjustments, engine, services
from jifen.ledger.models import Account, AdjustmentBatch, AdjustmentLine, Currency, Entry, EntryKind
from jifen.ledger.verify import adjustment_problems, verify_all
from jifen.org.models import Person, Role
from jifen.org.permissions import Perm, access_for_user

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture
def admin(org):
    """A training admin over 研发中心: proposes."""
    return org.person(unit=org.rnd, no="A0001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def auditor(org):
    """HR / auditor over the whole organisation: approves."""
    return org.person(unit=org.root, no="H0001", name="赵审计", role=Role.HR_AUDITOR)


@pytest.fixture
def learner(org):
    return org.person(unit=org.platform, no="E0001", name="郑雨桐")


@pytest.fixture
def outsider(org):
    return org.person(unit=org.marketing, no="M0001", name="钱多多")


def people(user):
    return access_for_user(user).people(Perm.LEDGER_ADJUST)


def propose(admin, *lines, reason="补录3月培训签到", **kw):
    return adjustments.adjustment_propose(
        proposed_by=admin.user, reason=reason, people=people(admin.user), now=NOW,
        lines=[adjustments.LineDraft(person=p, currency=c, amount=D(a)) for p, c, a in lines], **kw,
    )


def balance(person, currency=Currency.POINTS) -> Decimal:
    account = Account.objects.filter(person=person, currency=currency).first()
    return account.balance if account else D("0.00")


def assert_verifies():
    assert [str(p) for p in verify_all()] == []
    assert adjustment_problems() == []


# ---------------------------------------------------------------- maker-checker


def test_an_adjustment_posts_only_when_someone_else_approves_it(admin, auditor, learner):
    batch = propose(admin, (learner, Currency.POINTS, "10"))
    assert batch.status == AdjustmentBatch.Status.PROPOSED
    assert not Entry.objects.exists()

    adjustments.adjustment_approve(batch=batch, approver=auditor.user, note="核对无误", now=NOW)

    entry = Entry.objects.get()
    assert entry.kind == EntryKind.ADJUSTMENT and entry.amount == D("10.00")
    assert entry.actor_id == auditor.user.pk and entry.idempotency_key == f"adjustment:{batch.lines.get().pk}"
    assert entry.source == batch.lines.get()
    assert balance(learner) == D("10.00")
    batch.refresh_from_db()
    assert (batch.status, batch.decided_by_id, batch.decision_note) == ("approved", auditor.user.pk, "核对无误")
    assert_verifies()


def test_verify_names_an_adjustment_posted_without_approval(admin, auditor, learner):
    """Someone with database access could call the posting service directly: `jifen verify` sees it."""
    approved = propose(admin, (learner, Currency.POINTS, "10"))
    adjustments.adjustment_approve(batch=approved, approver=auditor.user, now=NOW)
    assert adjustment_problems() == []

    sneaked = services.adjust(person=learner, currency=Currency.POINTS, amount=D(500), key="sneaked", reason="x",
                              actor=admin.user, now=NOW)
    pending = propose(admin, (learner, Currency.POINTS, "20"))
    AdjustmentLine.objects.filter(batch=pending).update(entry=sneaked.entry)

    problems = adjustment_problems()
    assert any(f"adjustment {pending.pk} line" in p and "posted entry" in p for p in problems)
    AdjustmentLine.objects.filter(batch=pending).update(entry=None)
    assert any("entry #2: an adjustment posted without an approved request" in p for p in adjustment_problems())
    with pytest.raises(CommandError):
        call_command("verify")


def test_the_proposer_cannot_approve_their_own_adjustment(org, learner):
    both = org.system_admin()  # holds both rights, still not over their own proposal
    batch = adjustments.adjustment_propose(
        proposed_by=both, reason="补录", people=Person.objects.all(),
        lines=[adjustments.LineDraft(person=learner, currency=Currency.POINTS, amount=D(5))],
    )
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_approve(batch=batch, approver=both)
    assert refused.value.code == "own_proposal"
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_reject(batch=batch, approver=both, note="算了")
    assert refused.value.code == "own_proposal"
    assert not Entry.objects.exists()
    assert AdjustmentBatch.objects.get().status == "proposed"


def test_the_database_refuses_an_adjustment_decided_by_its_proposer(admin, learner):
    batch = propose(admin, (learner, Currency.POINTS, "5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        AdjustmentBatch.objects.filter(pk=batch.pk).update(status="rejected", decided_by=admin.user,
                                                          decided_at=NOW, decision_note="x")


def test_approving_twice_posts_once(admin, auditor, learner, org):
    batch = propose(admin, (learner, Currency.POINTS, "10"))
    adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)
    again = adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)  # a double click
    assert again.status == "approved"
    other = org.person(unit=org.root, role=Role.HR_AUDITOR)
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_approve(batch=batch, approver=other.user)
    assert refused.value.code == "already_decided"
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_reject(batch=batch, approver=auditor.user, note="晚了")
    assert refused.value.code == "already_decided"
    assert Entry.objects.count() == 1
    assert balance(learner) == D("10.00")


def test_a_rejected_adjustment_posts_nothing_and_needs_a_note(admin, auditor, learner):
    batch = propose(admin, (learner, Currency.POINTS, "10"))
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_reject(batch=batch, approver=auditor.user, note="  ")
    assert refused.value.field == "note"
    adjustments.adjustment_reject(batch=batch, approver=auditor.user, note="没有签到记录")
    batch.refresh_from_db()
    assert (batch.status, batch.decision_note) == ("rejected", "没有签到记录")
    assert not Entry.objects.exists()
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_approve(batch=batch, approver=auditor.user)
    assert refused.value.code == "already_decided"


def test_a_batch_posts_every_line_at_once(admin, auditor, learner, org):
    second = org.person(unit=org.platform)
    batch = propose(admin, (learner, Currency.POINTS, "10"), (second, Currency.CREDITS, "1.5"),
                    (learner, Currency.CREDITS, "-0.5"))
    adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)
    assert Entry.objects.count() == 3
    assert AdjustmentLine.objects.filter(entry__isnull=True).count() == 0
    assert (balance(learner), balance(second, Currency.CREDITS), balance(learner, Currency.CREDITS)) == (
        D("10.00"), D("1.50"), D("-0.50"))
    assert_verifies()


def test_a_batch_that_fails_while_posting_posts_nothing(admin, auditor, learner, org, monkeypatch):
    second = org.person(unit=org.platform)
    batch = propose(admin, (learner, Currency.POINTS, "10"), (second, Currency.POINTS, "20"))
    real_apply = engine.apply
    calls = []

    def failing_apply(state, posting, now):
        calls.append(posting.key)
        if len(calls) == 2:
            raise ApplicationError("boom")
        return real_apply(state, posting, now)

    monkeypatch.setattr(engine, "apply", failing_apply)
    with pytest.raises(ApplicationError, match="boom"):
        adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)
    assert not Entry.objects.exists()
    assert AdjustmentBatch.objects.get().status == "proposed"
    assert AdjustmentLine.objects.filter(entry__isnull=False).count() == 0


def test_a_negative_adjustment_may_leave_a_debt_that_later_awards_repay(admin, auditor, learner):
    services.award(person=learner, currency=Currency.POINTS, amount=5, key="a1", reason="出勤", now=NOW)
    batch = propose(admin, (learner, Currency.POINTS, "-8"), reason="重复发放，收回")
    adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)
    assert balance(learner) == D("-3.00")
    services.award(person=learner, currency=Currency.POINTS, amount=5, key="a2", reason="出勤", now=NOW)
    assert balance(learner) == D("2.00")
    assert_verifies()


def test_nobody_proposes_or_approves_an_adjustment_of_their_own_points(admin, auditor, learner, org):
    with pytest.raises(ApplicationError) as refused:
        propose(admin, (admin, Currency.POINTS, "10"))
    assert refused.value.code == "own_points"
    colleague = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.root)
    batch = propose(colleague, (auditor, Currency.POINTS, "10"), (learner, Currency.POINTS, "1"))
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_approve(batch=batch, approver=auditor.user)
    assert refused.value.code == "own_points"
    assert not Entry.objects.exists()


def test_a_training_admin_cannot_propose_for_someone_outside_their_scope(admin, outsider):
    with pytest.raises(ApplicationError) as refused:
        propose(admin, (outsider, Currency.POINTS, "10"))
    assert refused.value.code == "out_of_scope"
    assert not AdjustmentBatch.objects.exists()


@pytest.mark.parametrize(("amount", "field"), [("0", "amount"), ("1.234", "amount"), ("2000000", "amount")])
def test_an_adjustment_needs_a_sensible_non_zero_amount(admin, learner, amount, field):
    with pytest.raises(ApplicationError) as refused:
        propose(admin, (learner, Currency.POINTS, amount))
    assert refused.value.field == field


def test_only_credits_have_a_credit_type(admin, learner):
    with pytest.raises(ApplicationError) as refused:
        adjustments.adjustment_propose(
            proposed_by=admin.user, reason="补录", people=people(admin.user),
            lines=[adjustments.LineDraft(person=learner, currency=Currency.POINTS, amount=D(1), credit_type="required")],
        )
    assert refused.value.field == "credit_type"


# ---------------------------------------------------------------- evidence


def pdf(name="签到表.pdf", data=b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.mark.parametrize(("name", "data"), [
    ("evidence.pdf", b"<html><script>alert(1)</script></html>"),  # not what its name says
    ("evidence.exe", b"MZ\x90\x00"),
    ("evidence.html", b"<html></html>"),
    ("evidence.png", b"%PDF-1.7"),
    ("evidence.docx", b"PK\x03\x04not really a zip"),
    ("evidence.txt", bytes(range(256)) * 10),
    ("evidence.txt", b""),
])
def test_evidence_must_really_be_a_pdf_an_image_an_office_file_or_text(admin, learner, name, data):
    with pytest.raises(ApplicationError) as refused:
        propose(admin, (learner, Currency.POINTS, "10"), evidence=SimpleUploadedFile(name, data))
    assert refused.value.field == "evidence"
    assert not AdjustmentBatch.objects.exists()


def test_evidence_of_every_allowed_kind_is_kept_under_its_own_name(admin, learner, settings):
    workbook = io.BytesIO()
    Workbook().save(workbook)
    for upload in (pdf(), SimpleUploadedFile("照片.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
                   SimpleUploadedFile("说明.txt", "三月五日培训签到漏记".encode("gbk")),
                   SimpleUploadedFile("名单.xlsx", workbook.getvalue())):
        batch = propose(admin, (learner, Currency.POINTS, "10"), evidence=upload)
        assert batch.evidence_name == upload.name
        stored = Path(settings.MEDIA_ROOT) / batch.evidence.name
        assert stored.is_file() and batch.evidence.name.startswith("evidence/")
        assert upload.name not in batch.evidence.name  # the user's name is never a path


def test_evidence_larger_than_10_mb_is_refused(admin, learner):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError) as refused:
        propose(admin, (learner, Currency.POINTS, "10"), evidence=big)
    assert refused.value.code == "too_large"


def test_the_evidence_is_downloaded_only_by_those_who_see_the_adjustment(client, admin, auditor, learner, org):
    batch = propose(admin, (learner, Currency.POINTS, "10"), evidence=pdf())
    url = reverse("ledger:adjustment_evidence", args=[batch.pk])
    client.force_login(auditor.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    client.force_login(learner.user)
    assert client.get(url).status_code == 403
    other_admin = org.person(unit=org.marketing, role=Role.TRAINING_ADMIN, scope=org.marketing)
    client.force_login(other_admin.user)
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- bulk files


def csv_file(*rows, header="工号,币种,数量,原因,学分类型") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def read(data: bytes, name="调整.csv"):
    return adjustment_file.read_file(data, name)


def test_a_bulk_file_goes_through_approval_as_one_batch(admin, auditor, learner, org):
    second = org.person(unit=org.platform, no="E0002")
    table = read(csv_file("E0001,积分,10,补录签到,", "E0002,学分,1.5,外部培训,选修", "E0001,credits,-0.5,重复计入,必修"))
    plan = adjustment_file.plan(table, people=people(admin.user), proposer=admin.user)
    assert plan.ok and len(plan.lines) == 3 and plan.people == 2
    assert not AdjustmentBatch.objects.exists()  # a dry run writes nothing

    proposed = adjustment_file.propose(table, proposed_by=admin.user, reason="3月补录", people=people(admin.user))
    batch = proposed.adjustment
    assert batch.source_filename == "调整.csv" and batch.lines.count() == 3
    assert list(batch.lines.values_list("row", "credit_type")) == [(2, ""), (3, "elective"), (4, "required")]
    assert not Entry.objects.exists()

    adjustments.adjustment_approve(batch=batch, approver=auditor.user, now=NOW)
    assert Entry.objects.count() == 3
    assert balance(second, Currency.CREDITS) == D("1.50")
    assert_verifies()


def test_a_bulk_file_with_one_bad_row_proposes_nothing(admin, learner, org):
    org.person(unit=org.platform, no="E0002")
    table = read(csv_file("E0001,积分,10,补录签到,", "E0002,积分,十,补录签到,"))
    plan = adjustment_file.plan(table, people=people(admin.user), proposer=admin.user)
    assert [(e.row, e.column) for e in plan.errors] == [(3, "数量")]
    with pytest.raises(adjustment_file.AdjustmentFileRejected) as rejected:
        adjustment_file.propose(table, proposed_by=admin.user, reason="补录", people=people(admin.user))
    assert rejected.value.plan.error_rows == 1
    assert not AdjustmentBatch.objects.exists() and not AdjustmentLine.objects.exists()


def test_a_bulk_file_reports_each_bad_cell_by_row_column_and_reason(admin, learner, outsider):
    table = read(csv_file(
        "E0001,积分,10,补录,",        # fine
        "M0001,积分,10,补录,",        # outside the admin's scope
        "NOBODY,积分,10,补录,",       # does not exist: the same words, existence never confirmed
        "E0001,金币,10,补录,",        # no such currency
        "E0001,学分,0,补录,",         # zero
        "E0001,学分,1.555,补录,",     # three decimals
        "E0001,学分,=1+1,补录,",      # a formula
        "E0001,学分,1,,",             # no reason
        "E0001,学分,1,补录,核心",     # no such credit type
        "A0001,积分,10,给自己,",      # the proposer's own number
        "E0001,积分,5,又一行,",       # the same person's points twice
    ))
    plan = adjustment_file.plan(table, people=people(admin.user), proposer=admin.user)
    found = {(e.row, e.field): e.message for e in plan.errors}
    assert set(found) == {(3, "employee_no"), (4, "employee_no"), (5, "currency"), (6, "amount"), (7, "amount"),
                          (8, "amount"), (9, "reason"), (10, "credit_type"), (11, "employee_no"),
                          (12, "employee_no")}
    assert found[(3, "employee_no")] == found[(4, "employee_no")]
    assert "M0001" not in found[(3, "employee_no")]
    assert "2" in found[(12, "employee_no")]  # points to the first row of the same person
    assert plan.error_rows == 10 and len(plan.lines) == 1


def test_a_bulk_workbook_with_english_headers_and_number_cells_is_read(admin, learner):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Adjustments for March"])  # a title row above the header
    sheet.append(["employee_no", "currency", "amount", "reason"])
    sheet.append(["E0001", "points", -2.5, "Late homework"])
    sheet.append(["E0001", "credits", 0.1 + 0.2, "Rounded in Excel"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = adjustment_file.plan(read(buffer.getvalue(), "march.xlsx"), people=people(admin.user))
    assert plan.errors == []
    assert [(line.currency, line.amount, line.row) for line in plan.lines] == [
        ("points", D("-2.50"), 3), ("credits", D("0.30"), 4)]


def test_a_file_without_the_needed_columns_is_refused_whole(admin):
    with pytest.raises(ApplicationError) as refused:
        read(csv_file("E0001,积分", header="工号,币种"))
    assert "数量" in str(refused.value.message) and "原因" in str(refused.value.message)
    with pytest.raises(ApplicationError):
        read(b"\x00\x01garbage", "x.xlsx")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_reads_back_as_a_valid_file(admin, org, fmt):
    org.person(unit=org.platform, no="E0001")
    org.person(unit=org.platform, no="E0002")
    content, _type, name = adjustment_file.template_file(fmt)
    plan = adjustment_file.plan(read(content, name), people=people(admin.user))
    assert plan.ok and len(plan.lines) == 2
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(content)).active["A1"].value == "工号"


# ---------------------------------------------------------------- pages


def test_the_propose_page_makes_an_adjustment_and_the_approver_posts_it(client, admin, auditor, learner):
    client.force_login(admin.user)
    response = client.post(reverse("ledger:adjustment_create"), {
        "employee_no": "E0001", "currency": "points", "amount": "-3", "credit_type": "", "reason": "作业迟交",
        "evidence": pdf(),
    })
    batch = AdjustmentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:adjustment", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "郑雨桐" in page and reverse("ledger:adjustment_approve", args=[batch.pk]) not in page

    client.force_login(auditor.user)
    queue = client.get(reverse("ledger:adjustments")).content.decode()
    assert reverse("ledger:adjustment", args=[batch.pk]) in queue
    page = client.get(reverse("ledger:adjustment", args=[batch.pk])).content.decode()
    assert reverse("ledger:adjustment_approve", args=[batch.pk]) in page
    response = client.post(reverse("ledger:adjustment_approve", args=[batch.pk]), {"approve-note": "同意"})
    assert response.status_code == 302
    assert balance(learner) == D("-3.00")
    assert client.post(reverse("ledger:adjustment_approve", args=[batch.pk])).status_code == 302
    assert Entry.objects.count() == 1


def test_the_propose_page_refuses_someone_outside_the_scope_without_naming_them(client, admin, outsider):
    client.force_login(admin.user)
    response = client.post(reverse("ledger:adjustment_create"), {
        "employee_no": "M0001", "currency": "points", "amount": "5", "reason": "补录"})
    assert response.status_code == 200
    assert "M0001" not in response.content.decode() and "钱多多" not in response.content.decode()
    assert not AdjustmentBatch.objects.exists()


def test_a_rejection_without_a_note_is_shown_again_and_changes_nothing(client, admin, auditor, learner):
    batch = propose(admin, (learner, Currency.POINTS, "10"))
    client.force_login(auditor.user)
    response = client.post(reverse("ledger:adjustment_reject", args=[batch.pk]), {"reject-note": ""})
    assert response.status_code == 200
    assert AdjustmentBatch.objects.get().status == "proposed"
    client.post(reverse("ledger:adjustment_reject", args=[batch.pk]), {"reject-note": "证据不足"})
    assert AdjustmentBatch.objects.get().status == "rejected"


def test_the_bulk_pages_check_the_file_then_propose_it_as_one_batch(client, admin, learner):
    client.force_login(admin.user)
    response = client.post(reverse("ledger:adjustment_upload"),
                           {"file": SimpleUploadedFile("调整.csv", csv_file("E0001,积分,10,补录签到,"))})
    assert response.status_code == 302
    review = response["Location"]
    page = client.get(review)
    assert page.status_code == 200 and "郑雨桐" in page.content.decode()
    assert not AdjustmentBatch.objects.exists()
    response = client.post(review, {"action": "submit", "reason": "3月补录", "evidence": pdf()})
    batch = AdjustmentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:adjustment", args=[batch.pk])
    assert batch.evidence_name == "签到表.pdf" and batch.lines.count() == 1
    assert client.get(review).status_code == 404  # the parked file is gone


def test_a_bulk_file_with_errors_cannot_be_submitted_from_its_page(client, admin, learner):
    client.force_login(admin.user)
    review = client.post(reverse("ledger:adjustment_upload"),
                         {"file": SimpleUploadedFile("调整.csv", csv_file("E0001,积分,abc,补录,"))})["Location"]
    response = client.post(review, {"action": "submit", "reason": "补录"})
    assert response.status_code == 200
    assert not AdjustmentBatch.objects.exists()


def test_someone_elses_parked_file_is_not_found(client, admin, org):
    client.force_login(admin.user)
    review = client.post(reverse("ledger:adjustment_upload"),
                         {"file": SimpleUploadedFile("调整.csv", csv_file("E0001,积分,1,补录,"))})["Location"]
    colleague = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(colleague.user)
    assert client.get(review).status_code == 404


def test_the_menu_shows_adjustments_to_proposers_and_approvers_only(client, admin, auditor, learner):
    url = reverse("ledger:adjustments")
    for person, shown in ((admin, True), (auditor, True), (learner, False)):
        client.force_login(person.user)
        body = client.get(reverse("ledger:my_points")).content.decode()
        assert (f'href="{url}"' in body) is shown
    client.force_login(admin.user)
    body = client.get(url).content.decode()
    # Only the closest menu entry is the current one: not "My points" (/points/) as well.
    assert body.count('aria-current="page"') == 1


def test_an_approver_sees_only_adjustments_wholly_inside_their_scope(client, admin, learner, org):
    batch = propose(admin, (learner, Currency.POINTS, "10"))
    marketing_auditor = org.person(unit=org.marketing, role=Role.HR_AUDITOR, scope=org.marketing)
    client.force_login(marketing_auditor.user)
    assert client.get(reverse("ledger:adjustment", args=[batch.pk])).status_code == 404
    assert client.post(reverse("ledger:adjustment_approve", args=[batch.pk])).status_code == 404
    assert "郑雨桐" not in client.get(reverse("ledger:adjustments")).content.decode()
    assert not Entry.objects.exists()


# ---------------------------------------------------------------- API


def api_post(client, url, payload, **headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_the_api_proposes_and_a_different_user_approves(client, admin, auditor, learner):
    client.force_login(admin.user)
    response = api_post(client, "/api/v1/adjustments", {
        "reason": "补录", "lines": [{"employee_no": "E0001", "currency": "credits", "amount": "1.5",
                                     "credit_type": "required"}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed" and body["lines"][0]["entry_id"] is None
    assert body["lines"][0]["reason"] == "补录" and body["credits_total"] == 1.5

    refused = api_post(client, f"/api/v1/adjustments/{body['id']}/approve", {})
    assert refused.status_code == 403  # a training admin proposes, never approves

    client.force_login(auditor.user)
    listed = client.get("/api/v1/adjustments?status=proposed").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    approved = api_post(client, f"/api/v1/adjustments/{body['id']}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["lines"][0]["entry_id"] == Entry.objects.get().pk
    assert balance(learner, Currency.CREDITS) == D("1.50")


def test_the_api_refuses_the_proposer_as_approver_with_a_problem(client, org, learner):
    both = org.system_admin()
    client.force_login(both)
    created = api_post(client, "/api/v1/adjustments", {
        "reason": "补录", "lines": [{"employee_no": "E0001", "currency": "points", "amount": 5}]}).json()
    response = api_post(client, f"/api/v1/adjustments/{created['id']}/approve", {})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not Entry.objects.exists()


def test_the_api_does_not_find_people_outside_the_scope(client, admin, outsider):
    client.force_login(admin.user)
    response = api_post(client, "/api/v1/adjustments", {
        "reason": "补录", "lines": [{"employee_no": "M0001", "currency": "points", "amount": 5}]})
    assert response.status_code == 404
    assert "M0001" not in response.content.decode()
    assert not AdjustmentBatch.objects.exists()


def test_the_api_checks_a_bulk_file_then_proposes_it(client, admin, learner):
    client.force_login(admin.user)
    data = csv_file("E0001,积分,10,补录,", "E0001,学分,x,补录,")
    dry = client.post("/api/v1/adjustments/file", {"file": SimpleUploadedFile("a.csv", data)}).json()
    assert dry["dry_run"] and dry["error_rows"] == 1 and dry["errors"][0]["field"] == "amount"
    refused = client.post("/api/v1/adjustments/file?dry_run=false",
                          {"file": SimpleUploadedFile("a.csv", data), "reason": "补录"})
    assert refused.status_code == 422 and not AdjustmentBatch.objects.exists()
    good = client.post("/api/v1/adjustments/file?dry_run=false",
                       {"file": SimpleUploadedFile("a.csv", csv_file("E0001,积分,10,补录,")), "reason": "补录",
                        "evidence": pdf()})
    assert good.status_code == 200, good.content
    batch = AdjustmentBatch.objects.get()
    assert good.json()["adjustment_id"] == batch.pk and batch.evidence_name == "签到表.pdf"



def test_the_api_names_the_line_that_is_wrong_and_proposes_nothing(client, admin, learner, org):
    org.person(unit=org.platform, no="E0002")
    client.force_login(admin.user)
    response = api_post(client, "/api/v1/adjustments", {"reason": "补录", "lines": [
        {"employee_no": "E0001", "currency": "points", "amount": 5},
        {"employee_no": "E0002", "currency": "points", "amount": "0.001"}]})
    assert response.status_code == 400
    assert response.json()["field"] == "amount" and "2" in response.json()["detail"]
    assert not AdjustmentBatch.objects.exists()

# ---------------------------------------------------------------- at the same moment (PostgreSQL)

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_approvers_approving_at_the_same_moment_post_once(org):
    from jifen.ledger.tests.test_ledger_concurrency import run_together

    admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    approvers = [org.person(unit=org.root, role=Role.HR_AUDITOR) for _ in range(4)]
    learner, second = org.person(unit=org.platform), org.person(unit=org.platform)
    batch = propose(admin, (learner, Currency.POINTS, "10"), (second, Currency.CREDITS, "2"))

    results = run_together(4, lambda i: adjustments.adjustment_approve(batch=batch, approver=approvers[i].user))

    approved = [r for r in results if isinstance(r, AdjustmentBatch)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(approved) == 1 and len(refused) == 3, results
    assert all(r.code == "already_decided" for r in refused)
    assert Entry.objects.count() == 2
    assert (balance(learner), balance(second, Currency.CREDITS)) == (D("10.00"), D("2.00"))
    assert_verifies()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_approve_posts_once(org):
    from jifen.ledger.tests.test_ledger_concurrency import run_together

    admin = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    auditor = org.person(unit=org.root, role=Role.HR_AUDITOR)
    learner = org.person(unit=org.platform)
    batch = propose(admin, (learner, Currency.POINTS, "-4"))

    results = run_together(3, lambda i: adjustments.adjustment_approve(batch=batch, approver=auditor.user))

    assert all(isinstance(r, AdjustmentBatch) and r.status == "approved" for r in results), results
    assert Entry.objects.count() == 1 and balance(learner) == D("-4.00")
    assert_verifies()
