"""The pages in the users' terms: a learner hands in from the phone page, a trainer sees identical
work flagged, a copied evidence file is refused with a translated message."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.learning.work import services
from jifen.learning.work.models import Submission
from jifen.learning.work.tests import factories
from jifen.org.tests.factories import OrgBuilder

COPIED = "课程内容很实用，我学到了倾听、提问和反馈三个技巧，以后会在工作中多加运用。"


@pytest.fixture
def setup(org: OrgBuilder):
    trainer = org.person(name="孙讲师", role="trainer")
    learners = [org.person(name=name) for name in ("郑雨桐", "王磊")]
    session = factories.session(unit=org.platform, trainer=trainer, learners=learners)
    assignment = services.assignment_create(created_by=trainer.user, session=session, title="课后反思",
                                            due_at=timezone.now() + dt.timedelta(days=2))
    return trainer, learners, assignment


def test_a_learner_hands_in_homework_from_the_homework_page(client, setup):
    _trainer, learners, assignment = setup
    client.force_login(learners[0].user)
    body = client.get(reverse("work:my_homework")).content.decode()
    assert "课后反思" in body and reverse("work:submit", args=[assignment.pk]) in body
    response = client.post(reverse("work:submit", args=[assignment.pk]), {"text": "我的反思"})
    assert response.status_code == 302
    assert Submission.objects.get().on_time


def test_an_empty_hand_in_shows_the_form_again_with_an_error(client, setup):
    _trainer, learners, assignment = setup
    client.force_login(learners[0].user)
    response = client.post(reverse("work:submit", args=[assignment.pk]), {"text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert not Submission.objects.exists()


def test_the_trainer_sees_identical_submissions_flagged(client, setup):
    trainer, learners, assignment = setup
    for learner in learners:
        services.submission_submit(assignment=assignment, person=learner, text=COPIED)
    client.force_login(trainer.user)
    body = client.get(reverse("work:assignment", args=[assignment.pk])).content.decode()
    assert body.count('class="status status-rejected" title=') == 2
    flagged = Submission.objects.first()
    detail = client.get(reverse("work:submission", args=[flagged.pk])).content.decode()
    assert "王磊" in detail and "郑雨桐" in detail


def test_someone_elses_evidence_file_is_refused_with_a_clear_message(client, org):
    first, second = org.person(name="郑雨桐"), org.person(name="王磊")
    services.claim_create(person=first, title="PMP", provider="PMI", completed_on=dt.date(2026, 1, 1), hours="30",
                          credits_requested="5", points_requested="20", evidence=factories.png("same"))
    client.force_login(second.user)
    response = client.post(reverse("work:claim_create"), {
        "kind": "certificate", "title": "PMP", "provider": "PMI", "completed_on": "2026-01-02", "hours": "30",
        "credits_requested": "5", "points_requested": "20", "evidence": factories.png("same", name="我的.png")})
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert "PMP" in response.content.decode()  # what was typed is still there
