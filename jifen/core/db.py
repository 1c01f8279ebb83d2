"""Database helpers shared by the apps' services."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    """``field__any=values``: like ``__in``, but on PostgreSQL the values travel as one array parameter
    (``= ANY(%s)``). A thousand-value ``IN`` list is a thousand parameters that Django, psycopg and the
    server each parse again on every call; an array is one, with one plan."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [value if type(value) in (int, str) else field.get_db_prep_value(value, connection, prepared=False)
                  for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*params, array_value(values)]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


_PLAIN = (int, Decimal, dt.date)  # dt.datetime is a dt.date; bool is an int
_UNQUOTED = str.maketrans("", "", "0123456789.-+:TZ ")


def array_value(values: list):
    """One PostgreSQL array parameter for ``values``, to be cast with ``%s::type[]``: the array's text
    form (``{1,2,3}``) when every value is a number, a date or time, a string or None, which the server
    parses in one go; else the list itself, which psycopg adapts element by element (for a thousand
    numbers about ten times slower than building the text here). Strings are quoted and escaped, so no
    value can end the literal or the array early."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, str):
            parts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, _PLAIN) and not (isinstance(value, dt.datetime) and value.tzinfo is None):
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
            if text.translate(_UNQUOTED):  # not a plain number or timestamp (e.g. NaN, Infinity)
                return list(values)
            parts.append(text)
        else:
            return list(values)
    return "{" + ",".join(parts) + "}"


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep their own lookup table


def update_in_bulk(model, objs, field_names) -> None:
    """Write ``field_names`` of every object, each row its own values, in one round trip."""
    objs = list(objs)
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in field_names]
    update_rows(model, field_names, [
        (obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)) for obj in objs
    ])


def update_rows(model, field_names, rows: list[tuple]) -> None:
    """Set ``field_names`` from rows of (pk, value, …) with values ready for the database.

    On PostgreSQL one ``UPDATE … FROM unnest(arrays)`` statement does them all; elsewhere one prepared
    UPDATE runs for every row (executemany). Django's bulk_update builds a CASE per field whose cost
    grows with the batch on every row; both of these stay linear for tens of thousands of rows."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    # Table, column and type names come from the model, never from the data; values are parameters.
    if connection.vendor == "postgresql":
        columns = [meta.pk, *fields]
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
        names = ", ".join(quote(f.column) for f in columns)
        assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
        sql = (f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
               f"WHERE {table}.{pk} = v.{pk}")
        with connection.cursor() as cursor:
            cursor.execute(sql, [array_value(column) for column in zip(*rows, strict=True)])
        return
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*values, pk_value) for pk_value, *values in rows])


def allocate_ids(connection, model, count: int) -> list[int]:
    """Take ``count`` primary keys from the table's sequence (PostgreSQL), so rows written with COPY
    can be referred to by the rows written after them."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(nextval(q.s)) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS s) AS q, "
            "generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(cursor.fetchone()[0])


def copy_rows(connection, model, columns: list[str], rows) -> None:
    """COPY rows into the model's table (PostgreSQL); database errors surface as Django's (IntegrityError)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
