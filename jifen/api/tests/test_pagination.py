"""Long lists come in pages linked by an opaque cursor; rows added meanwhile never repeat or vanish."""

import pytest

from jifen.api.pagination import MAX_LIMIT
from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.org.models import Person, Role


@pytest.fixture
def admin(org):
    return org.person(no="A0000", role=Role.TRAINING_ADMIN, scope=org.root)


@pytest.fixture
def roster(org):
    Person.objects.bulk_create(
        Person(employee_no=f"P{n:04d}", name=f"员工{n}", org_unit=org.platform) for n in range(2, 62, 2)
    )


def test_paging_through_people_while_others_are_added_returns_each_person_once(client, admin, roster, org):
    headers = bearer(admin.user)
    seen, cursor, pages = [], None, 0
    while True:
        query = f"?limit=7&cursor={cursor}" if cursor else "?limit=7"
        page = send(client, "get", f"/people{query}", **headers)
        assert page.status_code == 200
        body = page.json()
        seen += [p["employee_no"] for p in body["items"]]
        pages += 1
        if pages == 2:  # one before what was read, one ahead of it
            Person.objects.bulk_create([Person(employee_no="P0001", name="新人甲", org_unit=org.platform),
                                        Person(employee_no="P0059", name="新人乙", org_unit=org.platform)])
        cursor = body["next"]
        if cursor is None:
            assert "Link" not in page
            break
        assert page["Link"].endswith('>; rel="next"') and "cursor=" in page["Link"]
    assert len(seen) == len(set(seen))
    assert "P0059" in seen and "P0001" not in seen  # added behind the reader: not shown, nothing repeats
    assert seen == sorted(seen)
    assert set(seen) >= {f"P{n:04d}" for n in range(2, 62, 2)}


def test_a_tampered_or_foreign_cursor_is_a_400_problem(client, admin, roster):
    headers = bearer(admin.user)
    cursor = send(client, "get", "/people?limit=5", **headers).json()["next"]
    assert cursor
    body = is_problem(send(client, "get", f"/people?cursor={cursor[:-3]}abc", **headers), 400)
    assert body["field"] == "cursor"
    is_problem(send(client, "get", "/people?cursor=bm90LWEtY3Vyc29y", **headers), 400)
    is_problem(send(client, "get", f"/notifications?cursor={cursor}", **headers), 400)


def test_a_page_holds_at_most_the_maximum_and_counts_the_whole_list(client, admin, roster):
    body = send(client, "get", "/people?limit=100000", **bearer(admin.user)).json()
    assert len(body["items"]) <= MAX_LIMIT and body["count"] == 31 and body["next"] is None


def test_the_ledger_entries_of_a_person_page_newest_first_even_at_the_same_instant(client, admin, org):
    import datetime as dt

    from jifen.ledger import services
    from jifen.ledger.models import Currency

    person = org.person(no="E0001")
    same = dt.datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)
    for n in range(5):
        services.award(person=person, currency=Currency.POINTS, amount=n + 1, key=f"k{n}", reason="test",
                       occurred_at=same if n < 3 else same + dt.timedelta(microseconds=n))
    headers = bearer(admin.user)
    amounts, cursor = [], ""
    for _ in range(4):
        body = send(client, "get", f"/people/E0001/entries?limit=2{cursor}", **headers).json()
        amounts += [float(item["amount"]) for item in body["items"]]
        if not body["next"]:
            break
        cursor = f"&cursor={body['next']}"
    assert amounts == [5, 4, 3, 2, 1] and body["count"] == 5


def test_a_list_ordered_by_a_field_that_may_be_empty_pages_every_row_once_with_the_empty_ones_last(org):
    import datetime as dt

    from django.test import RequestFactory

    from jifen.api.pagination import CursorPagination

    for n in range(7):
        org.person(no=f"H{n}", hire_date=None if n % 3 == 0 else dt.date(2020, 1, 1 + n % 2))
    queryset = Person.objects.filter(employee_no__startswith="H").order_by("-hire_date")
    paginator = CursorPagination()
    seen, cursor = [], None
    for _ in range(10):
        request = RequestFactory().get("/api/v1/people")
        page = paginator.paginate_queryset(queryset, CursorPagination.Input(limit=2, cursor=cursor), request)
        seen += [(p.employee_no, p.hire_date) for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(no for no, _date in seen) == [f"H{n}" for n in range(7)]
    dates = [date for _no, date in seen]
    assert dates[:4] == sorted(dates[:4], reverse=True) and dates[4:] == [None, None, None]
