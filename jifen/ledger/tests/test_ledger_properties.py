"""Property test: any sequence of awards, penalties, spends, expiry, reversals and replays keeps
every ledger invariant after every step, the leaderboards' standings included."""

import datetime as dt
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from jifen.core.errors import ApplicationError
from jifen.ledger import services, standings
from jifen.ledger.models import Account, Currency, Entry, ExpiryPolicy
from jifen.ledger.verify import verify_all
from jifen.org.tests.factories import OrgBuilder

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

amounts = st.integers(min_value=1, max_value=50)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("award"), amounts, st.sampled_from([0, 1, 3, 12])),
        st.tuples(st.just("penalty"), amounts, st.just(0)),
        st.tuples(st.just("spend"), amounts, st.just(0)),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=120), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30), st.just(0)),
        st.tuples(st.just("replay"), st.integers(min_value=0, max_value=30), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


class LedgerInvariantTests(TestCase):
    @settings(max_examples=int(os.environ.get('LEDGER_EXAMPLES', '40')), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_every_invariant_holds_after_every_step(self, steps):
        org = OrgBuilder()
        person = org.person()
        now = START
        keys: list[str] = []
        for number, (op, value, months) in enumerate(steps):
            key = f"{op}-{number}"
            before = Account.objects.filter(person=person).values_list("balance", flat=True).first()
            try:
                if op == "award":
                    services.award(person=person, currency=Currency.POINTS, amount=value, key=key, reason="award",
                                   now=now, expiry=(ExpiryPolicy.ROLLING, months) if months else
                                   (ExpiryPolicy.NEVER, 0))
                elif op == "penalty":
                    services.penalize(person=person, currency=Currency.POINTS, amount=value, key=key,
                                      reason="penalty", now=now)
                elif op == "spend":
                    services.spend(person=person, amount=value, key=key, reason="spend", now=now)
                elif op == "wait":
                    now += dt.timedelta(days=value)
                    services.expire_due_lots(now=now)
                elif op == "reverse" and keys:
                    entry = Entry.objects.get(idempotency_key=keys[value % len(keys)])
                    services.reverse(entry=entry, key=key, reason="correction", now=now)
                elif op == "replay" and keys:
                    replayed = Entry.objects.get(idempotency_key=keys[value % len(keys)])
                    count = Entry.objects.count()
                    result = services.award(person=person, currency=Currency.POINTS, amount=1,
                                            key=replayed.idempotency_key, reason="replay", now=now)
                    assert not result.created
                    assert Entry.objects.count() == count
                    continue
                else:
                    continue
                if Entry.objects.filter(idempotency_key=key).exists():
                    keys.append(key)
            except ApplicationError:
                after = Account.objects.filter(person=person).values_list("balance", flat=True).first()
                assert after == before, "a refused posting changed the balance"
            problems = [str(p) for p in verify_all()] + standings.problems()
            assert problems == [], problems
        account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
        if account is not None:
            assert account.balance == sum((e.amount for e in account.entries.all()), Decimal(0))
            assert not account.entries.filter(kind="spend", balance_after__lt=0).exists()
