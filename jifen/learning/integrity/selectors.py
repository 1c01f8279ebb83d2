"""Reads of box-ticking cases, narrowed by the caller's access."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jifen.learning.integrity.models import Case
from jifen.ledger.models import Entry
from jifen.org.permissions import Access, Perm


def cases_to_review(access: Access, status: str = Case.Status.OPEN) -> QuerySet[Case]:
    if not access.has(Perm.LEARNING_REVIEW):
        return Case.objects.none()
    qs = Case.objects.filter(person__in=access.people(Perm.LEARNING_REVIEW).values("pk"))
    if access.person_id is not None:
        qs = qs.exclude(person_id=access.person_id)
    if status:
        qs = qs.filter(status=status)
    order = ["opened_at", "pk"] if status == Case.Status.OPEN else ["-opened_at", "-pk"]
    return qs.select_related("person", "person__org_unit", "reviewed_by").order_by(*order)


def cases_of(person_id: int) -> QuerySet[Case]:
    return Case.objects.filter(person_id=person_id).select_related("person").order_by("-opened_at", "-pk")


def case_visible(access: Access, pk: int) -> Case | None:
    q = Q(pk__in=[])
    if access.person_id is not None:
        q |= Q(person_id=access.person_id)
    if access.has(Perm.LEARNING_REVIEW):
        q |= Q(person__in=access.people(Perm.LEARNING_REVIEW).values("pk"))
    return Case.objects.filter(q, pk=pk).select_related("person", "person__org_unit", "reviewed_by",
                                                        "source_type").first()


def deduction_of(case: Case) -> Entry | None:
    """The entry a confirmation posted (what the learner may appeal)."""
    if not case.event_key:
        return None
    return (Entry.objects.filter(idempotency_key__startswith=f"{case.event_key}/", reverses__isnull=True)
            .select_related("account").order_by("pk").first())
