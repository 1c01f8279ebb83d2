"""Fewer indexes on the ledger tables, the same guarantees: each index costs every posting a write.

Dropped: the entry's account foreign key index (covered by (account, seq) and (account, occurred_at)), the
account's person index (covered by the unique (person, currency)), the
source type's (covered by (source_type, source_id)), the pattern indexes PostgreSQL gets for unique text
columns, and the unique index on the hash (the chain is proved by `jifen verify`, not by uniqueness).
The actor index is kept only for entries that have an actor.

On SQLite, altering a column rebuilds the table, which drops its triggers: the append-only trigger is
created again here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def append_only_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            """CREATE TRIGGER IF NOT EXISTS ledger_entry_append_only BEFORE UPDATE ON ledger_entry
               BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_entry refused'); END;"""
        )


def room_for_updates(apps, schema_editor):
    """Accounts and lots are rewritten on every posting: leave room on each page so PostgreSQL can update
    them in place (HOT) instead of touching every index."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_account SET (fillfactor = 70)")
        schema_editor.execute("ALTER TABLE ledger_lot SET (fillfactor = 80)")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('ledger', '0003_adjustments_appeals'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='account',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='accounts', to='org.person', verbose_name='person'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='ledger.account', verbose_name='account'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='hash',
            field=models.CharField(max_length=64, verbose_name='hash'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='idempotency_key',
            field=models.CharField(max_length=200, verbose_name='idempotency key'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='source_type',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='source type'),
        ),
        migrations.AddIndex(
            model_name='entry',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='ledger_entry_actor'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='ledger_entry_idempotency_key'),
        ),
        migrations.RunPython(append_only_again, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(room_for_updates, migrations.RunPython.noop, elidable=False),
    ]
