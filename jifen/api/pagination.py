"""Cursor pagination for the API's long lists: ``?limit=50`` (at most 200), then ``?cursor=<next>``.

The answer is ``{"items": [...], "next": "<cursor or null>", "count": <rows in the whole list>}`` and a
``Link: <…>; rel="next"`` header. The cursor is opaque: the signed ordering key and primary key of the
last row sent. The next page starts strictly after that row (keyset paging), so rows added or removed
meanwhile never make a row appear twice or be skipped. A cursor that was altered, or made for another
list or ordering, is refused with a 400 problem.

Lists that used page numbers keep ``?page=`` / ``?page_size=`` (at most 100) for old clients; those pages
are offsets and may shift while rows are added.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from jifen.core.errors import ApplicationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LEGACY_MAX_PAGE_SIZE = 100
SALT = "jifen.api.cursor"


def _plain(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


class _Serializer:
    def dumps(self, obj):
        return json.dumps(obj, separators=(",", ":"), default=_plain).encode("latin-1")

    def loads(self, data):
        return json.loads(data.decode("latin-1"))


def _bad_cursor():
    return ApplicationError(_("This cursor is not valid for this list. Start again without a cursor."),
                            field="cursor")


def ordering_of(queryset: QuerySet) -> list[tuple[str, bool]]:
    """(field path, descending) of the queryset's ordering, the primary key last to make it total."""
    order = list(queryset.query.order_by) or list(queryset.model._meta.ordering or [])
    fields: list[tuple[str, bool]] = []
    for term in order:
        if isinstance(term, str):
            if term == "?":
                continue
            fields.append((term.lstrip("-"), term.startswith("-")))
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            fields.append((term.expression.name, term.descending))
        elif isinstance(term, F):
            fields.append((term.name, False))
        else:  # an expression we cannot compare against: page by the primary key alone
            return [("pk", False)]
    pk_name = queryset.model._meta.pk.name
    if not any(name in ("pk", pk_name) for name, _desc in fields):
        fields.append(("pk", fields[-1][1] if fields else False))
    return fields


def nullable(model, path: str) -> bool:
    """Whether the field at ``path`` can be null (through a nullable relation too); unknown: yes."""
    if path == "pk":
        return False
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # an annotation, or a lookup we do not follow
            return True
        if getattr(field, "null", False):
            return True
        model = getattr(field, "related_model", None) or model
    return False


def _order_term(name: str, descending: bool, may_be_null: bool):
    if not may_be_null:  # plain ASC / DESC, so that an index serves the order
        return F(name).desc() if descending else F(name).asc()
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


def _after(fields: list[tuple[str, bool]], values: list, may_be_null: list[bool]) -> Q:
    """Rows strictly after ``values`` in ``fields`` order, nulls last in either direction."""
    condition = Q(pk__in=[])
    equal = Q()
    for (name, descending), value, null in zip(fields, values, may_be_null, strict=True):
        if value is None:
            step = Q(pk__in=[])  # nulls come last: nothing is after a null in this field
            same = Q(**{f"{name}__isnull": True})
        else:
            step = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            if null:
                step |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        condition |= equal & step
        equal &= same
    return condition


class CursorPagination(PaginationBase):
    class Input(Schema):
        cursor: str | None = Field(None, description="The `next` value of the previous page.")
        limit: int = Field(DEFAULT_LIMIT, ge=1, description=f"Rows per page (at most {MAX_LIMIT}).")
        page: int | None = Field(None, ge=1, le=1_000_000, description="Deprecated: a page number (offset paging).")
        page_size: int | None = Field(None, ge=1, description="Deprecated: rows per numbered page (at most 100).")

    class Output(Schema):
        items: list[Any]
        next: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page.")
        count: int = Field(description="Rows in the whole list.")

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request, **params: Any) -> Any:
        list_key = request.path_info
        if pagination.page is not None or pagination.page_size is not None:
            size = min(pagination.page_size or DEFAULT_LIMIT, LEGACY_MAX_PAGE_SIZE)
            offset = ((pagination.page or 1) - 1) * size
            state = {"o": offset}
        else:
            size = min(pagination.limit, MAX_LIMIT)
            state = self._decode(pagination.cursor, list_key) if pagination.cursor else {}
        if not isinstance(queryset, QuerySet) or "o" in state:
            return self._offset_page(queryset, state.get("o", 0), size, list_key, request)
        fields = ordering_of(queryset)
        signature = [f"{name}:{int(desc)}" for name, desc in fields]
        count = queryset.count()
        may_be_null = [nullable(queryset.model, name) for name, _desc in fields]
        ordered = queryset.order_by(*[
            _order_term(name, desc, null) for (name, desc), null in zip(fields, may_be_null, strict=True)
        ])
        if state:
            if state.get("f") != signature or len(state.get("k", [])) != len(fields):
                raise _bad_cursor()
            try:
                ordered = ordered.filter(_after(fields, state["k"], may_be_null))
            except (ValueError, TypeError, decimal.InvalidOperation) as exc:
                raise _bad_cursor() from exc
        rows = list(ordered[: size + 1])
        next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            keys = self._keys(queryset, rows[-1], fields)
            next_cursor = self._encode({"k": keys, "f": signature}, list_key)
        return self._answer(request, rows, next_cursor, count)

    # ---------------------------------------------------------------- helpers

    def _offset_page(self, items, offset: int, size: int, list_key: str, request):
        count = items.count() if isinstance(items, QuerySet) else len(items)
        rows = list(items[offset: offset + size])
        next_cursor = self._encode({"o": offset + size}, list_key) if offset + size < count else None
        return self._answer(request, rows, next_cursor, count)

    def _answer(self, request, rows, next_cursor, count):
        if next_cursor:
            query = {k: v for k, v in request.GET.items() if k not in ("cursor", "page")}
            query["cursor"] = next_cursor
            request.api_next_link = f"{request.path}?{urlencode(query)}"
        return {"items": rows, "next": next_cursor, "count": count}

    @staticmethod
    def _keys(queryset: QuerySet, row, fields) -> list:
        names = [name for name, _desc in fields]
        if all("__" not in name for name in names):
            try:
                return [_plain(row.pk if name == "pk" else getattr(row, name)) for name in names]
            except AttributeError:
                pass
        pk = row.pk if hasattr(row, "pk") else row["pk"]
        return [_plain(v) for v in queryset.filter(pk=pk).values_list(*names).get()]

    @staticmethod
    def _encode(state: dict, list_key: str) -> str:
        return signing.dumps({**state, "l": list_key}, salt=SALT, serializer=_Serializer, compress=True)

    @staticmethod
    def _decode(cursor: str, list_key: str) -> dict:
        try:
            state = signing.loads(cursor, salt=SALT, serializer=_Serializer)
        except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
            raise _bad_cursor() from exc
        if not isinstance(state, dict) or state.get("l") != list_key:
            raise _bad_cursor()
        if "o" in state and not (isinstance(state["o"], int) and state["o"] >= 0):
            raise _bad_cursor()
        return state
