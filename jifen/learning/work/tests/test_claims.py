"""Self-study claims: approved credits and points within the rules' bounds (10 credits / 50 points per
claim); the same evidence file twice is caught at submission."""

import datetime as dt
from decimal import Decimal

import pytest

from jifen.core.errors import ApplicationError
from jifen.learning.integrity.models import Case, CaseKind
from jifen.learning.work import services
from jifen.learning.work.tests import factories
from jifen.ledger.models import Account, Currency
from jifen.org.models import Role
from jifen.rules.models import Event

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def balance(person, currency) -> Decimal:
    account = Account.objects.filter(person=person, currency=currency).first()
    return account.balance if account else Decimal(0)


@pytest.fixture
def learner(org):
    return org.person(name="郑雨桐", no="RD-0001")


@pytest.fixture
def reviewer(org):
    return org.person(name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)


def claim(person, *, evidence=None, credits="12", points="60"):
    return services.claim_create(person=person, title="PMP 项目管理认证", provider="PMI", kind="certificate",
                                 completed_on=dt.date(2026, 3, 1), hours="35", credits_requested=credits,
                                 points_requested=points, evidence=evidence or factories.png("pmp"), now=NOW)


def test_an_approved_claim_records_the_credits_and_points_granted(learner, reviewer):
    found = claim(learner, credits="4", points="20")
    approved = services.claim_approve(claim=found, reviewer=reviewer.user, credits="3", points="20", now=NOW)
    assert approved.status == "approved"
    event = Event.objects.get(key=approved.event_key)
    assert event.type == "selfstudy.approved" and event.data["credits"] == 3 and event.data["points"] == 20
    assert balance(learner, Currency.CREDITS) == Decimal("3.00")
    assert balance(learner, Currency.POINTS) == Decimal("20.00")


def test_self_study_credits_are_capped_at_10_and_points_at_50_per_claim(learner, reviewer):
    found = claim(learner, credits="12", points="60")
    with pytest.raises(ApplicationError) as error:
        services.claim_approve(claim=found, reviewer=reviewer.user, credits="12", points="50", now=NOW)
    assert error.value.field == "credits" and "10" in error.value.message
    with pytest.raises(ApplicationError) as error:
        services.claim_approve(claim=found, reviewer=reviewer.user, credits="10", points="60", now=NOW)
    assert error.value.field == "points"
    services.claim_approve(claim=found, reviewer=reviewer.user, credits="10", points="50", now=NOW)
    assert balance(learner, Currency.CREDITS) == Decimal("10.00")
    assert balance(learner, Currency.POINTS) == Decimal("50.00")


def test_a_reviewer_grants_at_most_what_was_asked(learner, reviewer):
    found = claim(learner, credits="2", points="10")
    with pytest.raises(ApplicationError):
        services.claim_approve(claim=found, reviewer=reviewer.user, credits="3", points="10", now=NOW)


def test_a_rejected_claim_needs_a_reason_and_records_nothing(learner, reviewer):
    found = claim(learner)
    with pytest.raises(ApplicationError):
        services.claim_reject(claim=found, reviewer=reviewer.user, note=" ")
    rejected = services.claim_reject(claim=found, reviewer=reviewer.user, note="证书编号无法核验", now=NOW)
    assert rejected.status == "rejected" and rejected.decision_note == "证书编号无法核验"
    assert not Event.objects.exists()


def test_nobody_reviews_their_own_claim(reviewer):
    found = claim(reviewer)
    with pytest.raises(ApplicationError):
        services.claim_approve(claim=found, reviewer=reviewer.user, credits="1", points="1")


def test_the_same_evidence_file_twice_is_caught_at_submission(learner):
    claim(learner, evidence=factories.png("same"))
    with pytest.raises(ApplicationError) as error:
        claim(learner, evidence=factories.png("same", name="再交一次.png"))
    assert error.value.field == "evidence"
    assert not Case.objects.exists()  # one's own file again is a mistake, not box-ticking


def test_someone_elses_evidence_file_is_caught_and_opens_a_case(learner, org):
    claim(learner, evidence=factories.png("cert-001"))
    colleague = org.person(name="王磊")
    with pytest.raises(ApplicationError) as error:
        claim(colleague, evidence=factories.png("cert-001", name="我的证书.png"))
    assert error.value.field == "evidence" and error.value.code == "duplicate_evidence"
    case = Case.objects.get()
    assert case.kind == CaseKind.DUPLICATE_EVIDENCE and case.person == colleague


def test_evidence_of_a_rejected_claim_may_be_sent_again(learner, reviewer):
    services.claim_reject(claim=claim(learner, evidence=factories.png("again")), reviewer=reviewer.user,
                          note="请补充学时证明")
    assert claim(learner, evidence=factories.png("again")).status == "pending"


def test_a_future_completion_date_is_refused(learner):
    with pytest.raises(ApplicationError) as error:
        services.claim_create(person=learner, title="Python 课程", provider="慕课", completed_on=dt.date(2026, 4, 1),
                              hours="10", credits_requested="1", points_requested="5", evidence=factories.png(),
                              now=NOW)
    assert error.value.field == "completed_on"
