"""Reads shared by the pages and the API, each narrowed by the caller's access."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from jifen.catalog.models import Enrolment, Session
from jifen.learning.work.models import Assignment, Contribution, Review, SelfStudyClaim, Submission
from jifen.org.models import Person
from jifen.org.permissions import Access, Perm


def learners_of(assignment: Assignment) -> QuerySet[Person]:
    """Enrolled learners of the assignment's session (or of any session of its course)."""
    enrolments = Enrolment.objects.filter(status=Enrolment.Status.ENROLLED)
    if assignment.session_id is not None:
        enrolments = enrolments.filter(session_id=assignment.session_id)
    else:
        enrolments = enrolments.filter(session__course_id=assignment.course_id)
    return Person.objects.filter(pk__in=enrolments.values("person_id"))


def sessions_run_by(access: Access) -> QuerySet[Session]:
    """Sessions whose homework the caller sets and grades: those they train, and (training admins)
    those organised by a unit in their scope."""
    q = Q(pk__in=[])
    if access.has(Perm.SESSIONS_RUN) and access.person_id is not None:
        q |= Q(trainer_id=access.person_id)
    if access.has(Perm.CATALOG_MANAGE):
        q |= Q(org_unit__in=access.units(Perm.CATALOG_MANAGE))
    return Session.objects.filter(q)


def assignments_managed(access: Access) -> QuerySet[Assignment]:
    """Assignments of the sessions the caller runs; course-wide ones for whole-organisation admins."""
    q = Q(session__in=sessions_run_by(access).values("pk"))
    if access.scope(Perm.CATALOG_MANAGE).everything:
        q |= Q(session__isnull=True)
    return (Assignment.objects.filter(q).select_related("course", "session", "session__course")
            .order_by("-due_at", "-pk"))


def assignments_of_learner(person_id: int) -> QuerySet[Assignment]:
    """The homework of the sessions a learner is enrolled in, with their own submission attached
    (``mine``: a one-item list, or empty)."""
    from django.db.models import Prefetch

    enrolled = Enrolment.objects.filter(person_id=person_id, status=Enrolment.Status.ENROLLED)
    return (
        Assignment.objects.filter(
            Q(session__in=enrolled.values("session_id"))
            | Q(session__isnull=True, course__in=enrolled.values("session__course_id"))
        )
        .select_related("course", "session", "session__course")
        .prefetch_related(Prefetch("submissions", queryset=Submission.objects.filter(person_id=person_id),
                                   to_attr="mine"))
        .order_by("-due_at", "-pk")
    )


def submissions_of(assignment: Assignment) -> QuerySet[Submission]:
    return assignment.submissions.select_related("person", "person__org_unit").order_by("-flagged", "person__name",
                                                                                          "pk")


def submission_visible(access: Access, pk: int) -> Submission | None:
    """One's own submission, one of an assignment the caller manages, or (a reviewer of box-ticking
    cases) one of a person in their review scope."""
    qs = Submission.objects.select_related("assignment", "person")
    q = Q(assignment__in=assignments_managed(access).values("pk"))
    if access.has(Perm.LEARNING_REVIEW):
        q |= Q(person__in=access.people(Perm.LEARNING_REVIEW).values("pk"))
    if access.person_id is not None:
        q |= Q(person_id=access.person_id)
    return qs.filter(q, pk=pk).first()


def missing_count(assignment: Assignment) -> int:
    handed_in = Submission.objects.filter(assignment=assignment, person_id=OuterRef("pk"))
    return learners_of(assignment).exclude(Exists(handed_in)).count()


# ---------------------------------------------------------------- claims and contributions


def _to_review(model, access: Access, status: str = Review.PENDING):
    qs = model.objects.filter(person__in=access.people(Perm.LEARNING_REVIEW).values("pk"))
    if access.person_id is not None:
        qs = qs.exclude(person_id=access.person_id)  # nobody reviews their own
    if status:
        qs = qs.filter(status=status)
    order = ["submitted_at", "pk"] if status == Review.PENDING else ["-submitted_at", "-pk"]
    return qs.select_related("person", "person__org_unit", "reviewed_by").order_by(*order)


def claims_to_review(access: Access, status: str = Review.PENDING) -> QuerySet[SelfStudyClaim]:
    return _to_review(SelfStudyClaim, access, status) if access.has(Perm.LEARNING_REVIEW) \
        else SelfStudyClaim.objects.none()


def contributions_to_review(access: Access, status: str = Review.PENDING) -> QuerySet[Contribution]:
    return _to_review(Contribution, access, status) if access.has(Perm.LEARNING_REVIEW) \
        else Contribution.objects.none()


def claims_of(person_id: int) -> QuerySet[SelfStudyClaim]:
    return SelfStudyClaim.objects.filter(person_id=person_id).select_related("person").order_by("-submitted_at",
                                                                                                  "-pk")


def contributions_of(person_id: int) -> QuerySet[Contribution]:
    return Contribution.objects.filter(person_id=person_id).select_related("person").order_by("-submitted_at", "-pk")


def visible(model, access: Access, pk: int):
    """The learner's own, or one a reviewer may see (any status, inside their scope)."""
    q = Q(pk__in=[])
    if access.person_id is not None:
        q |= Q(person_id=access.person_id)
    if access.has(Perm.LEARNING_REVIEW):
        q |= Q(person__in=access.people(Perm.LEARNING_REVIEW).values("pk"))
    return model.objects.filter(q, pk=pk).select_related("person", "person__org_unit", "reviewed_by").first()
