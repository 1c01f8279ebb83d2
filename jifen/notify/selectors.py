"""Reads for the inbox, the admin pages and the API."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from jifen.notify.models import Delivery, DeliveryStatus, LearningPlan, Notification
from jifen.org.permissions import Access, Perm


def inbox(user, *, unread: bool = False) -> QuerySet[Notification]:
    found = Notification.objects.filter(user=user).order_by("-created_at", "-pk")
    return found.filter(read_at__isnull=True) if unread else found


def delivery_counts() -> dict[str, int]:
    counts = dict(Delivery.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def learning_plans_visible(access: Access) -> QuerySet[LearningPlan]:
    """One's own plans, and those of the people one sees the learning of (managers, training admins)."""
    return LearningPlan.objects.filter(person__in=access.people(Perm.LEARNING_VIEW).values("pk")).select_related(
        "person", "person__org_unit")
