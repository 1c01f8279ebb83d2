from decimal import Decimal

from django.db.models import Sum

from jifen.ledger.models import Entry
from jifen.rules.models import Event


def points(person) -> Decimal:
    total = Entry.objects.filter(account__person=person, account__currency="points").aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)


def entries(person) -> list[tuple[str, Decimal]]:
    return list(Entry.objects.filter(account__person=person, account__currency="points").order_by("pk")
                .values_list("kind", "amount"))


def events(person) -> list[tuple[str, str]]:
    return list(Event.objects.filter(person=person).order_by("pk").values_list("key", "type"))
