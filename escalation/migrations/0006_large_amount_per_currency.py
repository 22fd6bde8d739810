""""Large" is judged in the case's own currency: each policy version names its currency and may give a
threshold for other currencies. The trigger that marks a case whose total crosses a threshold compares it
with the threshold of the case's currency.
"""

from django.db import migrations, models

from core.migration_operations import RunSQLScript

POLICY_STAGES = "('confirm', 'plan', 'contact')"


def _case_updated(threshold: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION escalation_case_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT n.id FROM new_cases n JOIN old_cases o ON o.id = n.id
        WHERE (o.stage <> n.stage AND NOT (o.stage IN {POLICY_STAGES} AND n.stage IN {POLICY_STAGES}))
           OR o.overdue_since IS DISTINCT FROM n.overdue_since
           OR (o.total_overdue <> n.total_overdue AND EXISTS (
                  SELECT 1 FROM escalation_policyversion pv
                  CROSS JOIN LATERAL (SELECT {threshold} AS amount) t
                  WHERE (o.total_overdue >= t.amount) <> (n.total_overdue >= t.amount)))));
    RETURN NULL;
END $$;
"""


PER_CURRENCY = _case_updated("CASE WHEN n.currency = pv.currency THEN pv.large_amount_threshold "
                             "ELSE (pv.large_amount_thresholds ->> n.currency)::numeric END")
SINGLE = _case_updated("pv.large_amount_threshold")


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0005_call_tasks_wait_in_the_queue'),
    ]

    operations = [
        migrations.AddField(
            model_name='policyversion',
            name='currency',
            field=models.CharField(default='CNY', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='large_amount_thresholds',
            field=models.JSONField(blank=True, default=dict, verbose_name='large amount from, other currencies'),
        ),
        RunSQLScript(PER_CURRENCY, SINGLE),
    ]
