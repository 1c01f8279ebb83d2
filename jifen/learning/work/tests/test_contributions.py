"""Knowledge contributions: trainer +30, case +20, course +50, sharing +10 (at most 40 a month)."""

import datetime as dt
from decimal import Decimal

import pytest

from jifen.core.errors import ApplicationError
from jifen.learning.work import services
from jifen.learning.work.tests import factories
from jifen.ledger.models import Account, Currency
from jifen.org.models import Role

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


@pytest.fixture
def learner(org):
    return org.person(name="郑雨桐")


@pytest.fixture
def reviewer(org):
    return org.person(name="林培训", unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)


def contribute(person, kind, n):
    return services.contribution_create(person=person, kind=kind, title=f"贡献{n}", description="内容说明",
                                        evidence=factories.text_file(f"材料 {kind} {n}"), now=NOW)


@pytest.mark.parametrize(("kind", "amount"), [("trainer", 30), ("case", 20), ("course", 50), ("sharing", 10)])
def test_an_approved_contribution_earns_its_points(learner, reviewer, kind, amount):
    found = contribute(learner, kind, 1)
    approved = services.contribution_approve(contribution=found, reviewer=reviewer.user, note="很好", now=NOW)
    assert approved.status == "approved"
    assert points(learner) == Decimal(amount)


def test_sharing_earns_at_most_40_points_a_month(learner, reviewer):
    for n in range(5):
        services.contribution_approve(contribution=contribute(learner, "sharing", n), reviewer=reviewer.user,
                                      now=NOW + dt.timedelta(hours=n))
    assert points(learner) == Decimal(40)


def test_a_rejected_contribution_earns_nothing_and_needs_a_reason(learner, reviewer):
    found = contribute(learner, "case", 1)
    with pytest.raises(ApplicationError):
        services.contribution_reject(contribution=found, reviewer=reviewer.user, note="")
    services.contribution_reject(contribution=found, reviewer=reviewer.user, note="案例与业务无关")
    assert points(learner) == 0


def test_approving_twice_posts_once(learner, reviewer):
    found = contribute(learner, "course", 1)
    services.contribution_approve(contribution=found, reviewer=reviewer.user, now=NOW)
    services.contribution_approve(contribution=found, reviewer=reviewer.user, now=NOW)
    assert points(learner) == Decimal(50)


def test_the_same_material_cannot_back_two_contributions(learner):
    contribute(learner, "case", 1)
    with pytest.raises(ApplicationError) as error:
        contribute(learner, "case", 1)
    assert error.value.code == "duplicate_evidence"
