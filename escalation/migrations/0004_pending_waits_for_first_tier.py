"""A marked case that no tier takes yet waits for the day it reaches one; a new mark clears the wait.

`next_due_at` loses its index: one scan of the narrow placement table finds the due cases, and without
the index (and with room left on each page) the daily pass updates placements in place (HOT updates).
"""

from django.db import migrations, models

from core.migration_operations import RunSQLScript

MARK = """
CREATE OR REPLACE FUNCTION escalation_mark(case_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO escalation_escalationpending (case_id, mark, not_before)
    SELECT id, nextval('escalation_pending_mark_seq'), NULL
    FROM (SELECT DISTINCT id FROM unnest(case_ids) AS u(id) WHERE id IS NOT NULL ORDER BY id) ids
    ON CONFLICT (case_id) DO UPDATE SET mark = EXCLUDED.mark, not_before = NULL
$$;
"""

MARK_BEFORE = """
CREATE OR REPLACE FUNCTION escalation_mark(case_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO escalation_escalationpending (case_id, mark)
    SELECT id, nextval('escalation_pending_mark_seq')
    FROM (SELECT DISTINCT id FROM unnest(case_ids) AS u(id) WHERE id IS NOT NULL ORDER BY id) ids
    ON CONFLICT (case_id) DO UPDATE SET mark = EXCLUDED.mark
$$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0003_pass_skips_cases_with_nothing_due'),
    ]

    operations = [
        migrations.AddField(
            model_name='escalationpending',
            name='not_before',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='caseescalation',
            name='next_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next due'),
        ),
        RunSQLScript(MARK + "ALTER TABLE escalation_caseescalation SET (fillfactor = 80);",
                           MARK_BEFORE + "ALTER TABLE escalation_caseescalation RESET (fillfactor);"),
    ]
