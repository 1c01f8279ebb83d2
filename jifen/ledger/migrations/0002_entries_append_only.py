"""Ledger entries are append-only, enforced by the database itself.

PostgreSQL refuses UPDATE and DELETE on ledger_entry and ledger_lotmovement. SQLite refuses UPDATE
(Django's test flush deletes rows on SQLite, so DELETE stays possible there; the hash chain and
`jifen verify` expose a deleted entry as a sequence gap).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION jifen_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: %% on %% refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();
CREATE TRIGGER ledger_lotmovement_append_only BEFORE UPDATE OR DELETE ON ledger_lotmovement
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_lotmovement_append_only ON ledger_lotmovement;
DROP FUNCTION IF EXISTS jifen_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_entry
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_entry refused'); END;""",
    """CREATE TRIGGER ledger_lotmovement_append_only BEFORE UPDATE ON ledger_lotmovement
       BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_lotmovement refused'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_entry_append_only;",
    "DROP TRIGGER IF EXISTS ledger_lotmovement_append_only;",
]


def forward(apps, schema_editor):
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"postgresql": [PG_BACKWARD], "sqlite": SQLITE_BACKWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
