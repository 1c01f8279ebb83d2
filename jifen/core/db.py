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
