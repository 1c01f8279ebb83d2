"""Database helpers shared by the apps' services."""

from django.db import connections, router


def update_in_bulk(model, objs, field_names) -> None:
    """Write ``field_names`` of every object with one prepared UPDATE run for all of them (executemany).
    Django's bulk_update builds a CASE per field whose cost grows with the batch on every row; this
    stays linear for tens of thousands of rows."""
    objs = list(objs)
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # Table and column names come from the model, never from the data; values are parameters.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def allocate_ids(connection, model, count: int) -> list[int]:
    """Take ``count`` primary keys from the table's sequence (PostgreSQL), so rows written with COPY
    can be referred to by the rows written after them."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(connection, model, columns: list[str], rows) -> None:
    """COPY rows into the model's table (PostgreSQL); database errors surface as Django's (IntegrityError)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
