"""Case search: an index on the card's last four digits, and on PostgreSQL a trigram index on the
cardholder's name, so that a name found anywhere in it stays fast at a million cardholders.

The trigram index is GIN over upper(name), the expression Django's case-insensitive lookups compare. It
costs each new cardholder one more index entry (GIN's pending list keeps the ingest's batches cheap).
"""

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS customer_name_trgm_idx ON cases_customer USING gin (upper(name::text) gin_trgm_ops);
"""


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM)


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm_idx;")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_ingest_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='account',
            index=models.Index(django.db.models.functions.text.Right('account_number', 4), name='account_last_four_idx'),
        ),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
