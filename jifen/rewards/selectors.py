from django.db.models import QuerySet

from jifen.org.permissions import Access, Perm
from jifen.rewards.models import Redemption


def orders_in_scope(*, access: Access) -> QuerySet[Redemption]:
    people = access.people(Perm.REWARDS_MANAGE)
    return Redemption.objects.filter(person__in=people.values("pk")).select_related(
        "reward", "person", "person__org_unit")


def orders_of(*, person_id: int) -> QuerySet[Redemption]:
    return Redemption.objects.filter(person_id=person_id).select_related("reward")
