"""The monthly points report (seed 002): hand-computed numbers per person, per department and for the
organisation, built by the background job with its progress recorded, in Excel and PDF."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jifen.ledger import services as ledger
from jifen.ledger.models import Currency
from jifen.notify.models import JobRun, JobStatus
from jifen.notify.tasks import JOBS
from jifen.org.models import Role
from jifen.org.permissions import access_for_user
from jifen.org.tests.factories import OrgBuilder
from jifen.reports.exports import documents, selectors, services, tasks
from jifen.reports.exports.models import ReportFile, ReportKind

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
OCTOBER = dt.date(2026, 10, 1)


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=TZ)


def award(person, amount, when, rule="出勤", key="", **extra):
    return ledger.award(person=person, currency=Currency.POINTS, amount=amount, key=key or f"a:{person.pk}:{when}",
                        reason="测试", occurred_at=when, now=when, rule_label=rule, **extra)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def october(db):
    org = OrgBuilder()
    a = org.person(unit=org.platform, no="RD-0001", name="郑雨桐", hire_date=dt.date(2020, 1, 1))
    b = org.person(unit=org.marketing, no="MK-0001", name="=HYPERLINK(\"x\")", hire_date=dt.date(2020, 1, 1))
    award(a, 100, at(9, 10))                        # before October: opening
    award(a, 50, at(8, 20), expiry=("rolling", 2))  # expires on 20 October
    award(a, 30, at(10, 5))
    award(a, 20, at(10, 12), rule="作业")
    ledger.penalize(person=a, currency=Currency.POINTS, amount=5, key="p", reason="缺勤", occurred_at=at(10, 15),
                    now=at(10, 15))
    ledger.spend(person=a, amount=40, key="s", reason="兑换", now=at(10, 18))
    ledger.expire_due_lots(now=at(10, 25))          # 50 − 5 (penalty) − 40 (spent) = 5 of that lot expire
    award(a, 10, at(11, 3))                         # after October: not in it
    ledger.award(person=a, currency=Currency.CREDITS, amount=12, key="c1", reason="课程", occurred_at=at(3, 1),
                 now=at(3, 1), credit_type="required")
    ledger.award(person=a, currency=Currency.CREDITS, amount=8, key="c2", reason="课程", occurred_at=at(11, 2),
                 now=at(11, 2))
    award(b, 7, at(10, 2))
    admin = org.person(unit=org.root, no="HQ-0001", name="林培训", role=Role.TRAINING_ADMIN).user
    return SimpleNamespace(org=org, a=a, b=b, admin=admin)


def test_a_persons_month_shows_opening_earned_penalties_spent_expired_and_closing(october):
    w = october
    rows = selectors.month_rows([w.a.pk, w.b.pk], OCTOBER)
    row = {r.person.pk: r for r in rows}[w.a.pk]
    assert (row.opening, row.earned, row.penalties, row.spent, row.expired) == (150, 50, -5, 40, 5)
    assert row.closing == Decimal(150)  # 150 + 50 − 5 − 40 − 5; the 10 points of November are not in it
    assert row.credits == 12 and row.target == 150 and row.missing == 138
    sums = selectors.month_sums(None, OCTOBER)
    assert sums.rules[w.org.platform.pk] == {"出勤": 30, "作业": 20}  # by the earners' unit


def test_the_opening_balance_counts_late_and_backdated_entries_on_the_day_they_occurred(october):
    """The opening balance is the balance now less everything since the month began: an award posted in
    November for a day in September is in October's opening, one for a day in October is in October."""
    w = october
    ledger.award(person=w.b, currency=Currency.POINTS, amount=4, key="late-sept", reason="补录",
                 occurred_at=at(9, 30), now=at(11, 20), rule_label="补录")
    ledger.award(person=w.b, currency=Currency.POINTS, amount=6, key="late-oct", reason="补录",
                 occurred_at=at(10, 30), now=at(11, 20), rule_label="补录")
    row = selectors.month_rows([w.b.pk], OCTOBER)[0]
    assert (row.opening, row.earned, row.closing) == (4, 13, 17)
    sums = [(r.opening, r.closing) for r in selectors.month_rows([w.a.pk, w.b.pk], OCTOBER,
                                                                  selectors.month_sums(None, OCTOBER))]
    assert sorted(sums) == [(4, 17), (150, 150)]  # the same read once for everyone


def test_departments_and_the_organisation_add_up_their_people(october):
    w = october
    totals = selectors.MonthlyTotals(None)
    totals.add(selectors.month_rows([w.a.pk, w.b.pk, w.admin.person.pk], OCTOBER))
    totals.add_rules(selectors.month_sums(None, OCTOBER).rules)
    assert totals.total.people == 3 and totals.total.earned == 57 and totals.total.closing == 157
    assert dict(totals.total.rules()) == {"出勤": 37, "作业": 20}
    units = {d.name: d for d in totals.departments()}
    assert units["总部/研发中心"].earned == 50 and units["总部/研发中心/平台组"].people == 1
    assert units["总部/市场部"].earned == 7 and units["总部"].people == 3


def test_the_report_is_built_by_a_job_that_records_its_progress(october):
    w = october
    report = services.report_request(access=access_for_user(w.admin), user=w.admin, month=OCTOBER, unit=None,
                                     kind=ReportKind.MONTHLY_XLSX, now=at(11, 5))
    tasks.build_report(report.pk)  # huey runs immediately in tests
    report.refresh_from_db()
    assert report.job_run.status == JobStatus.DONE and report.job_run.done == report.job_run.total == 3
    assert report.ready and report.size == report.file.size > 0
    book = load_workbook(io.BytesIO(report.file.read()), read_only=True)
    people = list(book.worksheets[2].iter_rows(values_only=True))
    mine = next(r for r in people if r[0] == "RD-0001")
    assert mine[5:15] == (150, 50, -5, 0, 40, 5, 150, 12, 150, 138)
    theirs = next(r for r in people if r[0] == "MK-0001")
    assert theirs[1] == "'=HYPERLINK(\"x\")"  # a formula-like name is written as text
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[1][1:4] == (3, 150, 57)


def test_a_pdf_report_is_for_departments_and_the_organisation(october):
    w = october
    report = services.report_request(access=access_for_user(w.admin), user=w.admin, month=OCTOBER,
                                     unit=w.org.rnd, kind=ReportKind.MONTHLY_PDF, now=at(11, 5))
    tasks.build_report(report.pk)
    report.refresh_from_db()
    assert report.file.read(5) == b"%PDF-"
    assert report.job_run.total == 1  # 研发中心 holds one person


def test_the_pdf_lists_departments_two_levels_down_and_leaves_the_teams_to_the_workbook(october):
    w = october
    totals = selectors.MonthlyTotals(None)
    totals.add(selectors.month_rows([w.a.pk, w.b.pk, w.admin.person.pk], OCTOBER))
    html = documents.monthly_pdf_html(totals=totals, month=OCTOBER, scope_name="总部",
                                      generated_at=at(11, 1))
    assert "总部/研发中心" in html and "总部/市场部" in html
    assert "总部/研发中心/平台组" not in html and "1 个下级单位未在此列出" in html
    centre = selectors.MonthlyTotals(w.org.rnd)  # a report for 研发中心: its teams are two levels down
    centre.add(selectors.month_rows([w.a.pk], OCTOBER))
    assert "总部/研发中心/平台组" in documents.monthly_pdf_html(totals=centre, month=OCTOBER, scope_name="研发中心",
                                                               generated_at=at(11, 1))


def test_the_monthly_job_makes_last_months_report_once(october):
    run, _label, when = JOBS["monthly_report"]
    assert when == (None, 1, "06:30")
    assert run(at(11, 1)) is not None
    assert run(at(11, 1)) is None  # claimed and done: a second worker or a rerun does nothing
    files = ReportFile.objects.filter(period=OCTOBER, scope_unit__isnull=True)
    assert sorted(files.values_list("kind", flat=True)) == [ReportKind.MONTHLY_PDF, ReportKind.MONTHLY_XLSX]
    assert all(f.file and f.requested_by is None for f in files)
    assert JobRun.objects.get(key="monthly_report:2026-10").status == JobStatus.DONE


def test_the_report_counts_a_fixed_number_of_queries_whatever_the_number_of_people(october):
    w = october
    few = [w.a.pk, w.b.pk]
    many = few + [w.org.person(unit=w.org.platform).pk for _n in range(10)]
    with CaptureQueriesContext(connection) as small:
        selectors.month_rows(few, OCTOBER)
    with CaptureQueriesContext(connection) as large:
        selectors.month_rows(many, OCTOBER)
    assert len(large) == len(small)
    sums = selectors.month_sums(None, OCTOBER)
    with CaptureQueriesContext(connection) as chunk:
        selectors.month_rows(many, OCTOBER, sums)
    assert len(chunk) == 1  # a chunk of the report, once the month's sums are read: its people


def test_a_manager_may_not_ask_for_a_unit_outside_their_scope(october):
    w = october
    from jifen.core.errors import ApplicationError

    manager = w.org.manager_of(w.org.rnd).user
    with pytest.raises(ApplicationError):
        services.report_request(access=access_for_user(manager), user=manager, month=OCTOBER,
                                unit=w.org.marketing, kind=ReportKind.MONTHLY_XLSX, now=at(11, 5))
    with pytest.raises(ApplicationError):  # nor the whole organisation
        services.report_request(access=access_for_user(manager), user=manager, month=OCTOBER, unit=None,
                                kind=ReportKind.MONTHLY_XLSX, now=at(11, 5))


def test_asking_for_a_report_on_the_page_shows_its_progress_until_it_is_ready(client, october):
    from django.urls import reverse

    w = october
    client.force_login(w.admin)
    response = client.post(reverse("exports:monthly_request"), {"month": "2026-10", "unit": w.org.rnd.pk,
                                                                "kind": ReportKind.MONTHLY_XLSX})
    assert response.status_code == 302
    report = ReportFile.objects.get(scope_unit=w.org.rnd)
    assert report.ready
    row = client.get(reverse("exports:report_row", args=[report.pk])).content.decode()
    assert "every 2s" not in row and reverse("exports:download", args=[report.pk]) in row
    waiting = ReportFile.objects.create(kind=ReportKind.MONTHLY_PDF, period=OCTOBER, scope_unit=w.org.rnd,
                                        created_at=at(11, 5))
    row = client.get(reverse("exports:report_row", args=[waiting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row
    download = client.get(reverse("exports:download", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_points_arriving_while_the_report_reads_do_not_skew_the_opening_balance():
    """The opening balance is the balance less what came since the month began: both must come from one
    moment. An award committed by someone else between the two reads must change neither."""
    import threading

    org = OrgBuilder()
    person = org.person(unit=org.platform, hire_date=dt.date(2020, 1, 1))
    award(person, 100, at(9, 10))
    award(person, 30, at(10, 5))
    arrived = []

    def award_elsewhere(execute, sql, params, many, context):
        if not arrived and 'SELECT "ledger_entry"."account_id" AS "account_id"' in sql:
            def post():
                award(person, 7, at(11, 20), key="while-reading")
                from django.db import connections

                connections.close_all()
            worker = threading.Thread(target=post)
            worker.start()
            worker.join()
            arrived.append(True)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(award_elsewhere):
        sums = selectors.month_sums(None, OCTOBER)
    assert arrived  # the award really came in between the balance and the entries since
    row = selectors.month_rows([person.pk], OCTOBER, sums)[0]
    assert (row.opening, row.earned, row.closing) == (100, 30, 130)


def test_a_report_whose_worker_was_killed_is_built_once_the_worker_is_back(october):
    """huey takes a job off its queue before running it: a worker killed mid-build loses it. The periodic
    resume queues again the reports never started and those whose run went silent, and builds them once."""
    w = october
    now = at(11, 5)
    ask = {"access": access_for_user(w.admin), "user": w.admin, "month": OCTOBER, "unit": None, "now": now}
    never_started = services.report_request(kind=ReportKind.MONTHLY_XLSX, **ask)
    cut_off = services.report_request(kind=ReportKind.MONTHLY_PDF, **ask)
    just_asked = services.report_request(kind=ReportKind.MONTHLY_XLSX, **{**ask, "now": now + dt.timedelta(minutes=9)})
    run = JobRun.objects.create(job="report", key=cut_off.job_key, started_at=now, heartbeat_at=now, total=3, done=1)
    ReportFile.objects.filter(pk=cut_off.pk).update(job_run=run)  # the worker died after the first chunk

    queued: list[int] = []
    later = now + dt.timedelta(minutes=11)
    assert services.resume_reports(queued.append, now=later) == [never_started.pk, cut_off.pk]
    assert just_asked.pk not in queued  # its worker may still be about to start it

    for report_id in queued:
        tasks.build_report(report_id)
    for report in (never_started, cut_off):
        report.refresh_from_db()
        assert report.ready and report.job_run.status == JobStatus.DONE
    assert JobRun.objects.get(pk=run.pk).attempts == 2  # taken over, not built beside the dead run
    assert services.resume_reports(queued.append, now=later) == []  # built: nothing more to do
