"""Box-ticking cases: confirming deducts 50 points (which the learner may appeal); dismissing does nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from jifen.core.errors import ApplicationError
from jifen.learning.integrity import selectors
from jifen.learning.integrity.models import Case, CaseKind
from jifen.learning.integrity.services import case_confirm, case_dismiss, open_case
from jifen.ledger import appeals
from jifen.ledger.models import Account, Currency, Entry
from jifen.org.models import Role

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def learner(org):
    return org.person(name="郑雨桐")


@pytest.fixture
def reviewer(org):
    return org.person(name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def case(learner):
    found, _created = open_case(person=learner, kind=CaseKind.QUIZ_TOO_FAST, key="quiz:1:fast",
                                summary="20 道题 40 秒答完", details={"seconds": 40}, now=NOW)
    return found


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


def test_a_confirmed_case_deducts_50_points_and_the_learner_can_appeal_it(case, learner, reviewer):
    confirmed = case_confirm(case=case, reviewer=reviewer.user, note="答题时间明显不足", now=NOW)
    assert confirmed.status == Case.Status.CONFIRMED and confirmed.event_key == f"case:{case.pk}"
    assert points(learner) == Decimal("-50.00")
    entry = selectors.deduction_of(confirmed)
    assert entry.amount == Decimal("-50.00")
    appeal = appeals.appeal_create(entry=entry, raised_by=learner.user, reason="我是认真做的")
    assert appeal.status == "open"


def test_a_dismissed_case_changes_nothing(case, learner, reviewer):
    dismissed = case_dismiss(case=case, reviewer=reviewer.user, note="题目简单，属正常", now=NOW)
    assert dismissed.status == Case.Status.DISMISSED
    assert not Entry.objects.exists()
    assert points(learner) == 0


def test_a_decision_needs_a_note(case, reviewer):
    with pytest.raises(ApplicationError) as error:
        case_confirm(case=case, reviewer=reviewer.user, note="  ")
    assert error.value.field == "note"
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_confirming_twice_deducts_once_and_a_decided_case_stays_decided(case, learner, reviewer, org):
    case_confirm(case=case, reviewer=reviewer.user, note="确认", now=NOW)
    case_confirm(case=case, reviewer=reviewer.user, note="确认", now=NOW)
    assert points(learner) == Decimal("-50.00")
    other = org.person(name="周总培", unit=org.root, role=Role.TRAINING_ADMIN)
    with pytest.raises(ApplicationError):
        case_dismiss(case=case, reviewer=other.user, note="撤销")


def test_nobody_decides_a_case_about_themselves(reviewer):
    own, _created = open_case(person=reviewer, kind=CaseKind.OTHER, key="own", summary="自己的")
    with pytest.raises(ApplicationError):
        case_dismiss(case=own, reviewer=reviewer.user, note="没问题")


def test_a_case_is_opened_once_per_key(learner):
    open_case(person=learner, kind=CaseKind.OTHER, key="same", summary="一")
    _again, created = open_case(person=learner, kind=CaseKind.OTHER, key="same", summary="二")
    assert not created and Case.objects.count() == 1
