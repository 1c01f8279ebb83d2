"""The audit log of configuration changes over the API (HR / auditors and system admins, read only)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.audit import registry, selectors
from jifen.audit.views import require_whole_organisation
from jifen.org.permissions import Perm, get_access

router = Router(tags=["audit"])


class FieldChangeOut(Schema):
    field: str
    name: str
    before: str
    after: str


class ChangeOut(Schema):
    id: int
    at: dt.datetime
    who: str
    actor_id: int | None
    via: str
    kind: str
    object: str
    object_id: str
    action: str
    fields: list[FieldChangeOut]

    # Each is worked out from the log entry itself: no query per row.
    @staticmethod
    def resolve_at(obj) -> dt.datetime:
        return obj.timestamp

    @staticmethod
    def resolve_who(obj) -> str:
        return selectors.who(obj)

    @staticmethod
    def resolve_via(obj) -> str:
        return selectors.via(obj)

    @staticmethod
    def resolve_kind(obj) -> str:
        return selectors.kind_label(obj)

    @staticmethod
    def resolve_object(obj) -> str:
        return obj.object_repr

    @staticmethod
    def resolve_object_id(obj) -> str:
        return obj.object_pk

    @staticmethod
    def resolve_action(obj) -> str:
        return selectors.ACTION_CODES.get(obj.action, "")

    @staticmethod
    def resolve_fields(obj) -> list:
        return [vars(change) for change in selectors.field_changes(obj)]


class ChangeFilter(Schema):
    kind: Literal[tuple(registry.KINDS)] | None = Field(None, description="What was changed")  # type: ignore[valid-type]
    actor: int | None = Field(None, ge=1, le=2**63 - 1, description="Only this user's changes")
    action: Literal["create", "update", "delete"] | None = None
    date_from: dt.date | None = Field(None, description="From this day (inclusive)")
    date_to: dt.date | None = Field(None, description="Until this day (inclusive)")


@router.get("/audit/changes", response=list[ChangeOut], summary="Configuration changes, newest first")
@paginate(CursorPagination)
def list_changes(request, filters: Query[ChangeFilter]):
    get_access(request).require(Perm.AUDIT_VIEW)
    require_whole_organisation(request)
    return selectors.changes(selectors.Filters(
        kind=filters.kind or "", actor=filters.actor, action=filters.action or "",
        date_from=filters.date_from, date_to=filters.date_to))
