"""Lists exported to Excel: streamed in write-only mode so memory stays flat, formula-like cells
neutralised, the same scope as the list pages; the eligibility export and a person's learning record."""

import datetime as dt
import io
import tracemalloc

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jifen.ledger import services as ledger
from jifen.ledger.models import Currency
from jifen.org.models import Person
from jifen.org.permissions import access_for_user
from jifen.org.tests.factories import OrgBuilder
from jifen.reports.exports import documents, selectors

ROWS = 20_000
BYTES_PER_ROW_ALLOWED = 3_000  # 300 MB for 100,000 rows


@pytest.fixture
def org(db):
    return OrgBuilder()


def _rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))


def test_twenty_thousand_people_export_in_flat_memory_with_every_formula_neutralised(org):
    starts = ["=SUM(A1:A9)", "+86 138", "-1", "@cmd"]
    Person.objects.bulk_create([Person(employee_no=f"B{n:06d}", name=f"{starts[n % 4]}{n}", org_unit=org.platform)
                                for n in range(ROWS)], batch_size=2000)
    admin = org.system_admin()
    people = selectors.people_export(access_for_user(admin), {})
    tracemalloc.start()
    book = documents.StreamBook()
    documents.people_sheet(book, people)
    handle = book.save_to_temp()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < ROWS * BYTES_PER_ROW_ALLOWED / 4, peak  # well under the bound that scales with the rows
    rows = list(load_workbook(handle, read_only=True).worksheets[0].iter_rows(values_only=True))[1:]
    assert len(rows) == ROWS
    assert all(str(row[1]).startswith("'") and str(row[1])[1] in "=+-@" for row in rows)


def test_a_managers_people_export_holds_only_their_subtree_and_follows_the_filters(client, org):
    org.person(unit=org.platform, no="RD-0001", name="郑雨桐")
    org.person(unit=org.marketing, no="MK-0001", name="钱多多")
    manager = org.manager_of(org.rnd, no="RD-M001")
    client.force_login(manager.user)
    numbers = {row[0] for row in _rows(client.get(reverse("exports:people")))[1:]}
    assert numbers == {"RD-0001", "RD-M001"}
    filtered = {row[0] for row in _rows(client.get(reverse("exports:people"), {"q": "郑"}))[1:]}
    assert filtered == {"RD-0001"}


def test_the_ledger_export_follows_the_search_filters(client, org):
    a = org.person(unit=org.platform, no="RD-0001", name="郑雨桐")
    ledger.award(person=a, currency=Currency.POINTS, amount=5, key="k1", reason="=cmd|calc", rule_label="出勤")
    ledger.award(person=a, currency=Currency.CREDITS, amount=2, key="k2", reason="课程")
    client.force_login(org.system_admin())
    rows = _rows(client.get(reverse("exports:entries"), {"currency": "points"}))[1:]
    assert len(rows) == 1 and rows[0][6] == 5 and rows[0][9] == "'=cmd|calc"


def test_eligibility_shows_who_meets_the_years_credits_and_by_how_much(client, org):
    from django.utils import timezone

    year = timezone.localdate().year
    a = org.person(unit=org.platform, no="RD-0001", name="郑雨桐", hire_date=dt.date(2000, 1, 1))
    b = org.person(unit=org.platform, no="RD-0002", name="王达标", hire_date=dt.date(2000, 1, 1))
    ledger.award(person=a, currency=Currency.CREDITS, amount=120, key="a", reason="课程", credit_type="required",
                 occurred_at=dt.datetime(year, 1, 2, tzinfo=dt.UTC))
    ledger.award(person=b, currency=Currency.CREDITS, amount=150, key="b", reason="课程", credit_type="required",
                 occurred_at=dt.datetime(year, 1, 2, tzinfo=dt.UTC))
    client.force_login(org.system_admin())
    rows = {row[0]: row for row in _rows(client.get(reverse("exports:eligibility")))[1:]}
    assert rows["RD-0001"][4:7] == (150, 120, 30) and rows["RD-0001"][10] == "否"
    assert rows["RD-0002"][6] == 0 and rows["RD-0002"][10] == "是"
    data = client.get("/api/v1/exports/eligibility").json()
    by_no = {item["employee_no"]: item for item in data["items"]}
    assert by_no["RD-0001"]["missing"] == "30.00" or float(by_no["RD-0001"]["missing"]) == 30
    assert by_no["RD-0002"]["eligible"] is True and by_no["RD-0001"]["eligible"] is False


def test_a_learner_prints_their_learning_record_and_not_someone_elses(client, org):
    a = org.person(unit=org.platform, no="RD-0001", name="郑雨桐")
    b = org.person(unit=org.platform, no="RD-0002", name="王同事")
    ledger.award(person=a, currency=Currency.CREDITS, amount=6, key="a1", reason="课程", credit_type="required",
                 occurred_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    ledger.award(person=a, currency=Currency.CREDITS, amount=4, key="a2", reason="课程",
                 occurred_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    record = selectors.learning_record(a)
    assert record["years"] == [{"year": 2025, "total": 10, "required": 6, "elective": 4}]
    client.force_login(a.user)
    response = client.get(reverse("exports:my_record"))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    assert client.get(reverse("exports:record", args=[b.pk])).status_code == 404
    manager = org.manager_of(org.rnd)
    client.force_login(manager.user)
    assert client.get(reverse("exports:record", args=[a.pk])).status_code == 200


def test_each_list_page_links_to_its_excel_with_the_filters_it_shows(org, client):
    from django.urls import reverse

    admin = org.system_admin()
    org.person(name="郑雨桐")
    client.force_login(admin)
    for page, export in (("org:people", "exports:people"), ("ledger:search", "exports:entries"),
                         ("rewards:orders", "exports:orders"), ("followup:results", "exports:results"),
                         ("catalog:gap_report", "exports:eligibility")):
        html = client.get(reverse(page) + "?q=郑").content.decode()
        link = f'{reverse(export)}?q=%E9%83%91'
        assert link in html, (page, export)
        downloaded = client.get(link)
        assert downloaded.status_code == 200, (export, downloaded.status_code)
        assert b"".join(downloaded.streaming_content if downloaded.streaming else [downloaded.content])[:2] == b"PK"
