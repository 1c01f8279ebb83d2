"""The demo data builds through the services and a second run changes nothing."""

from jifen.learning.integrity.demo import build_demo as build_cases
from jifen.learning.integrity.models import Case
from jifen.learning.work.demo import build_demo
from jifen.learning.work.models import Assignment, Contribution, SelfStudyClaim, Submission
from jifen.org.demo import build_demo as build_org


def counts():
    return (Assignment.objects.count(), Submission.objects.count(), SelfStudyClaim.objects.count(),
            Contribution.objects.count(), Case.objects.count())


def test_the_demo_has_homework_claims_contributions_and_an_open_case_and_builds_once(db):
    build_org(people=30)
    build_demo()
    build_cases()
    first = counts()
    assert first[0] == 2 and first[1] >= 4
    assert Submission.objects.filter(flagged=True).count() == 2
    assert set(SelfStudyClaim.objects.values_list("status", flat=True)) == {"pending", "approved", "rejected"}
    assert set(Contribution.objects.values_list("status", flat=True)) == {"pending", "approved", "rejected"}
    assert Case.objects.filter(status="open").exists() and Case.objects.filter(status="dismissed").exists()
    build_demo()
    build_cases()
    assert counts() == first
