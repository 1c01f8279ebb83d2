"""Reads of the Learning Record Store: statement queries with the spec's filters, documents, the unmatched list."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from jifen.xapi.models import Document, Outcome, Statement, StatementLink, XapiClient

MAX_LIMIT = 500


def statements_visible(client: XapiClient) -> QuerySet[Statement]:
    found = Statement.objects.all()
    return found if client.read_all else found.filter(client=client)


def statements_query(*, client: XapiClient, agent: str | None = None, verb: str | None = None,
                     activity: str | None = None, registration: str | None = None, related_agents: bool = False,
                     related_activities: bool = False, since: dt.datetime | None = None,
                     until: dt.datetime | None = None, ascending: bool = False,
                     after: tuple[dt.datetime, int] | None = None, limit: int = MAX_LIMIT) -> list[Statement]:
    """One page of statements, not voided, newest first unless ``ascending``; ``after`` continues a page."""
    found = statements_visible(client).filter(voided=False)
    if agent:
        links = StatementLink.objects.filter(kind=StatementLink.Kind.AGENT, value=agent)
        found = found.filter(pk__in=(links if related_agents else links.filter(direct=True)).values("statement_id"))
    if activity:
        links = StatementLink.objects.filter(kind=StatementLink.Kind.ACTIVITY, value=activity)
        found = found.filter(pk__in=(links if related_activities else links.filter(direct=True))
                             .values("statement_id"))
    if verb:
        found = found.filter(verb=verb)
    if registration:
        found = found.filter(registration=registration)
    if since:
        found = found.filter(stored__gt=since)
    if until:
        found = found.filter(stored__lte=until)
    if after:
        stored, pk = after
        if ascending:
            found = found.filter(Q(stored__gt=stored) | Q(stored=stored, pk__gt=pk))
        else:
            found = found.filter(Q(stored__lt=stored) | Q(stored=stored, pk__lt=pk))
    order = ("stored", "pk") if ascending else ("-stored", "-pk")
    return list(found.order_by(*order)[: max(1, min(limit, MAX_LIMIT)) + 1])


def document_ids(*, key: dict, since: dt.datetime | None = None) -> list[str]:
    found = Document.objects.filter(**key)
    if since:
        found = found.filter(updated__gt=since)
    return list(found.order_by("document_id").values_list("document_id", flat=True))


def unmatched_statements(*, reason: str | None = None) -> QuerySet[Statement]:
    found = Statement.objects.filter(outcome=Outcome.UNMATCHED, voided=False).select_related("client")
    if reason:
        found = found.filter(reason=reason)
    return found.order_by("-stored", "-pk")


def unmatched_counts() -> dict[str, int]:
    return dict(Statement.objects.filter(outcome=Outcome.UNMATCHED, voided=False).values_list("reason")
                .annotate(n=Count("pk")).values_list("reason", "n"))
