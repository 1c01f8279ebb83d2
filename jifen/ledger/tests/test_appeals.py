"""Appeals (异议) in the users' terms: a learner disputes an entry with a reason; a reviewer accepts
it (reversal or extra award) or rejects it, replying either way; the learner sees the outcome."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from jifen.core.errors import ApplicationError
from jifen.ledger import appeals, services
from jifen.ledger.models import Account, Appeal, Currency, Entry, EntryKind
from jifen.ledger.verify import verify_all
from jifen.org.models import Role
from jifen.org.permissions import Perm, access_for_user

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture
def reviewer(org):
    """A training admin over 研发中心: reviews appeals there."""
    return org.person(unit=org.rnd, no="A0001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def learner(org):
    return org.person(unit=org.platform, no="E0001", name="郑雨桐")


@pytest.fixture
def penalty(learner):
    services.award(person=learner, currency=Currency.POINTS, amount=20, key="a1", reason="出勤", now=NOW)
    return services.penalize(person=learner, currency=Currency.POINTS, amount=5, key="p1", reason="缺勤 -5",
                             now=NOW).entry


def balance(person, currency=Currency.POINTS) -> Decimal:
    return Account.objects.get(person=person, currency=currency).balance


def raise_appeal(learner, entry, reason="那天我请了假，有审批记录"):
    return appeals.appeal_create(entry=entry, raised_by=learner.user, reason=reason, now=NOW)


def scope(user):
    return access_for_user(user).people(Perm.APPEALS_REVIEW)


def assert_verifies():
    assert [str(p) for p in verify_all()] == []


# ---------------------------------------------------------------- outcomes


def test_an_accepted_appeal_reverses_the_entry_and_the_learner_sees_the_reply(client, reviewer, learner, penalty):
    appeal = raise_appeal(learner, penalty)
    assert balance(learner) == D("15.00")

    appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="reversal",
                          reply="核实有请假审批，撤销扣分", people=scope(reviewer.user), now=NOW)

    appeal.refresh_from_db()
    reversal = appeal.resolution_entry
    assert (appeal.status, appeal.resolution, appeal.reviewer_id) == ("accepted", "reversal", reviewer.user.pk)
    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses_id == penalty.pk and reversal.amount == D(5)
    assert reversal.idempotency_key == f"appeal:{appeal.pk}"
    assert balance(learner) == D("20.00")
    assert_verifies()

    client.force_login(learner.user)
    mine = client.get(reverse("ledger:my_appeals")).content.decode()
    assert "核实有请假审批，撤销扣分" in mine
    page = client.get(reverse("ledger:appeal", args=[appeal.pk])).content.decode()
    assert "核实有请假审批，撤销扣分" in page and "林培训" in page
    assert client.get("/api/v1/appeals/mine").json()[0]["reply"] == "核实有请假审批，撤销扣分"


def test_an_accepted_appeal_may_award_extra_instead(reviewer, learner, org):
    credits = services.award(person=learner, currency=Currency.CREDITS, amount=1, key="c1", reason="选修课",
                             credit_type="elective", now=NOW).entry
    appeal = raise_appeal(learner, credits, reason="这门课是2学分")
    appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="award", amount="1", reply="补1学分")
    appeal.refresh_from_db()
    extra = appeal.resolution_entry
    assert (extra.kind, extra.amount, extra.account.currency, extra.credit_type) == (
        "award", D("1.00"), "credits", "elective")
    assert extra.source == appeal
    assert balance(learner, Currency.CREDITS) == D("2.00")
    assert_verifies()


def test_an_extra_award_needs_an_amount_above_zero(reviewer, learner, penalty):
    appeal = raise_appeal(learner, penalty)
    for amount in (None, "0", "-3"):
        with pytest.raises(ApplicationError) as refused:
            appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="award", amount=amount,
                                  reply="补")
        assert refused.value.field == "amount"
    assert Appeal.objects.get().status == "open"


def test_a_rejected_appeal_posts_nothing_and_the_learner_sees_the_reply(client, reviewer, learner, penalty):
    appeal = raise_appeal(learner, penalty)
    entries = Entry.objects.count()
    with pytest.raises(ApplicationError) as refused:
        appeals.appeal_reject(appeal=appeal, reviewer=reviewer.user, reply=" ")
    assert refused.value.field == "reply"
    appeals.appeal_reject(appeal=appeal, reviewer=reviewer.user, reply="考勤记录显示缺勤，维持扣分")
    assert Entry.objects.count() == entries
    assert balance(learner) == D("15.00")
    client.force_login(learner.user)
    assert "考勤记录显示缺勤，维持扣分" in client.get(reverse("ledger:my_appeals")).content.decode()


def test_accepting_twice_posts_once(reviewer, learner, penalty, org):
    appeal = raise_appeal(learner, penalty)
    appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="reversal", reply="撤销")
    again = appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="reversal", reply="撤销")
    assert again.status == "accepted"
    other = org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd)
    with pytest.raises(ApplicationError) as refused:
        appeals.appeal_reject(appeal=appeal, reviewer=other.user, reply="不同意")
    assert refused.value.code == "already_decided"
    assert Entry.objects.filter(kind="reversal").count() == 1
    assert balance(learner) == D("20.00")


# ---------------------------------------------------------------- who may appeal and review


def test_a_learner_cannot_appeal_someone_elses_entry(client, learner, org):
    colleague = org.person(unit=org.platform, no="E0002", name="王同事")
    theirs = services.award(person=colleague, currency=Currency.POINTS, amount=5, key="x1", reason="出勤",
                            now=NOW).entry
    with pytest.raises(ApplicationError) as refused:
        appeals.appeal_create(entry=theirs, raised_by=learner.user, reason="这不对")
    assert refused.value.code == "not_own_entry"
    client.force_login(learner.user)
    assert client.get(reverse("ledger:appeal_create", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("ledger:appeal_create", args=[theirs.pk]), {"reason": "这不对"}).status_code == 404
    response = client.post(f"/api/v1/entries/{theirs.pk}/appeals", data=json.dumps({"reason": "这不对"}),
                           content_type="application/json")
    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_even_a_manager_who_sees_the_entry_cannot_appeal_it_for_the_learner(client, learner, penalty, org):
    manager = org.manager_of(org.rnd)
    client.force_login(manager.user)
    assert client.get(reverse("ledger:person_points", args=[learner.pk])).status_code == 200
    assert client.post(reverse("ledger:appeal_create", args=[penalty.pk]), {"reason": "替他申诉"}).status_code == 404
    assert not Appeal.objects.exists()


def test_an_appeal_needs_a_reason(learner, penalty):
    with pytest.raises(ApplicationError) as refused:
        raise_appeal(learner, penalty, reason="   ")
    assert refused.value.field == "reason"


def test_an_entry_has_at_most_one_open_appeal(learner, penalty, reviewer):
    first = raise_appeal(learner, penalty)
    with pytest.raises(ApplicationError) as refused:
        raise_appeal(learner, penalty, reason="再问一次")
    assert refused.value.code == "appeal_open"
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(entry=penalty, person=learner, raised_by=learner.user, raised_at=NOW, reason="绕过")
    appeals.appeal_reject(appeal=first, reviewer=reviewer.user, reply="维持")
    assert raise_appeal(learner, penalty, reason="补充了审批截图").status == "open"  # a new appeal after a reply


def test_a_reversed_entry_cannot_be_appealed_again(learner, penalty, reviewer):
    appeal = raise_appeal(learner, penalty)
    appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="reversal", reply="撤销")
    with pytest.raises(ApplicationError) as refused:
        raise_appeal(learner, penalty, reason="还要")
    assert refused.value.code == "already_reversed"


def test_a_reviewer_cannot_review_their_own_appeal(reviewer, org):
    services.award(person=reviewer, currency=Currency.POINTS, amount=5, key="r1", reason="讲课", now=NOW)
    own = services.penalize(person=reviewer, currency=Currency.POINTS, amount=2, key="r2", reason="迟到",
                            now=NOW).entry
    appeal = appeals.appeal_create(entry=own, raised_by=reviewer.user, reason="没迟到")
    for decide in (lambda: appeals.appeal_accept(appeal=appeal, reviewer=reviewer.user, resolution="reversal",
                                                 reply="撤销"),
                   lambda: appeals.appeal_reject(appeal=appeal, reviewer=reviewer.user, reply="维持")):
        with pytest.raises(ApplicationError) as refused:
            decide()
        assert refused.value.code == "own_appeal"
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(status="rejected", reviewer=reviewer.user, reviewed_at=NOW,
                                                  reply="维持")
    assert Entry.objects.filter(kind="reversal").count() == 0


def test_a_reviewer_outside_the_scope_does_not_find_the_appeal(client, learner, penalty, org):
    appeal = raise_appeal(learner, penalty)
    elsewhere = org.person(unit=org.marketing, role=Role.TRAINING_ADMIN, scope=org.marketing)
    client.force_login(elsewhere.user)
    assert client.get(reverse("ledger:appeal", args=[appeal.pk])).status_code == 404
    assert client.post(reverse("ledger:appeal_accept", args=[appeal.pk]),
                       {"accept-resolution": "reversal", "accept-reply": "撤销"}).status_code == 404
    assert "郑雨桐" not in client.get(reverse("ledger:appeals")).content.decode()
    with pytest.raises(ApplicationError) as refused:
        appeals.appeal_accept(appeal=appeal, reviewer=elsewhere.user, resolution="reversal", reply="撤销",
                              people=scope(elsewhere.user))
    assert refused.value.code == "out_of_scope"
    assert Appeal.objects.get().status == "open"


def test_an_hr_auditor_sees_appeals_only_as_the_learner_they_are(client, learner, penalty, org):
    auditor = org.person(unit=org.root, role=Role.HR_AUDITOR)
    appeal = raise_appeal(learner, penalty)
    client.force_login(auditor.user)
    assert client.get(reverse("ledger:appeals")).status_code == 403
    assert client.get(reverse("ledger:appeal", args=[appeal.pk])).status_code == 403


# ---------------------------------------------------------------- pages and API


def test_the_history_offers_an_appeal_on_each_of_ones_own_entries(client, learner, penalty, org):
    client.force_login(learner.user)
    body = client.get(reverse("ledger:my_points")).content.decode()
    assert reverse("ledger:appeal_create", args=[penalty.pk]) in body
    assert reverse("ledger:my_appeals") in body
    manager = org.manager_of(org.rnd)
    client.force_login(manager.user)
    body = client.get(reverse("ledger:person_points", args=[learner.pk])).content.decode()
    assert reverse("ledger:appeal_create", args=[penalty.pk]) not in body


def test_a_learner_appeals_from_the_page_and_the_reviewer_accepts_from_the_queue(client, learner, penalty, reviewer):
    client.force_login(learner.user)
    assert client.get(reverse("ledger:appeal_create", args=[penalty.pk])).status_code == 200
    response = client.post(reverse("ledger:appeal_create", args=[penalty.pk]), {"reason": "我请假了"})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:appeal", args=[appeal.pk])
    body = client.get(reverse("ledger:my_points")).content.decode()
    assert reverse("ledger:appeal", args=[appeal.pk]) in body  # the line now shows the open appeal
    assert reverse("ledger:appeal_create", args=[penalty.pk]) not in body

    client.force_login(reviewer.user)
    queue = client.get(reverse("ledger:appeals")).content.decode()
    assert reverse("ledger:appeal", args=[appeal.pk]) in queue and "郑雨桐" in queue
    missing_reply = client.post(reverse("ledger:appeal_accept", args=[appeal.pk]),
                                {"accept-resolution": "reversal", "accept-reply": ""})
    assert missing_reply.status_code == 200 and Appeal.objects.get().status == "open"
    response = client.post(reverse("ledger:appeal_accept", args=[appeal.pk]),
                           {"accept-resolution": "reversal", "accept-reply": "已核实"})
    assert response.status_code == 302
    assert Appeal.objects.get().status == "accepted" and balance(learner) == D("20.00")


def test_an_award_without_an_amount_is_shown_again_on_the_page(client, learner, penalty, reviewer):
    appeal = raise_appeal(learner, penalty)
    client.force_login(reviewer.user)
    response = client.post(reverse("ledger:appeal_accept", args=[appeal.pk]),
                           {"accept-resolution": "award", "accept-amount": "", "accept-reply": "补分"})
    assert response.status_code == 200
    assert Appeal.objects.get().status == "open"


def test_the_api_takes_an_appeal_and_the_reviewer_rejects_it(client, learner, penalty, reviewer):
    client.force_login(learner.user)
    created = client.post(f"/api/v1/entries/{penalty.pk}/appeals", data=json.dumps({"reason": "我请假了"}),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    appeal_id = created.json()["id"]
    assert created.json()["entry_amount"] == -5 and created.json()["status"] == "open"
    assert client.post(f"/api/v1/appeals/{appeal_id}/reject", data=json.dumps({"reply": "x"}),
                       content_type="application/json").status_code == 403

    client.force_login(reviewer.user)
    queue = client.get("/api/v1/appeals").json()
    assert [item["id"] for item in queue["items"]] == [appeal_id]
    rejected = client.post(f"/api/v1/appeals/{appeal_id}/reject", data=json.dumps({"reply": "维持扣分"}),
                           content_type="application/json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = client.post(f"/api/v1/appeals/{appeal_id}/accept",
                        data=json.dumps({"resolution": "reversal", "reply": "改主意"}), content_type="application/json")
    assert again.status_code == 400 and again["Content-Type"] == "application/problem+json"
    assert Entry.objects.filter(kind="reversal").count() == 0
    assert client.get("/api/v1/appeals").json()["count"] == 0  # open ones by default
    assert [a["status"] for a in client.get("/api/v1/appeals?status=all").json()["items"]] == ["rejected"]


# ---------------------------------------------------------------- at the same moment (PostgreSQL)

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_accepting_at_the_same_moment_reverse_once(org):
    from jifen.ledger.tests.test_ledger_concurrency import run_together

    learner = org.person(unit=org.platform)
    reviewers = [org.person(unit=org.rnd, role=Role.TRAINING_ADMIN, scope=org.rnd) for _ in range(4)]
    services.award(person=learner, currency=Currency.POINTS, amount=20, key="a1", reason="出勤", now=NOW)
    entry = services.penalize(person=learner, currency=Currency.POINTS, amount=5, key="p1", reason="缺勤",
                              now=NOW).entry
    appeal = raise_appeal(learner, entry)

    def decide(i):
        if i % 2:
            return appeals.appeal_reject(appeal=appeal, reviewer=reviewers[i].user, reply="维持")
        return appeals.appeal_accept(appeal=appeal, reviewer=reviewers[i].user, resolution="reversal", reply="撤销")

    results = run_together(4, decide)

    decided = [r for r in results if isinstance(r, Appeal)]
    assert len(decided) == 1, results
    assert all(r.code == "already_decided" for r in results if isinstance(r, ApplicationError))
    reversals = Entry.objects.filter(kind="reversal").count()
    assert reversals == (1 if decided[0].status == "accepted" else 0)
    assert balance(learner) == D("15.00") + 5 * reversals
    assert_verifies()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_the_same_appeal_sent_twice_at_once_opens_one(org):
    from jifen.ledger.tests.test_ledger_concurrency import run_together

    learner = org.person(unit=org.platform)
    entry = services.award(person=learner, currency=Currency.POINTS, amount=5, key="a1", reason="出勤",
                           now=NOW).entry
    results = run_together(4, lambda i: raise_appeal(learner, entry))
    assert sum(isinstance(r, Appeal) for r in results) == 1, results
    assert all(r.code == "appeal_open" for r in results if isinstance(r, ApplicationError))
    assert Appeal.objects.filter(status="open").count() == 1
