"""Litigation is a stage, not an outcome; the confirm stage's checks are stored on the case.

The outcome `legal` is retired: a case in litigation is an open case at the `legal` stage, which ends as
cured, settled, written off or recalled. Every case closed with the outcome `legal` is reopened at the
legal stage (`closed_at` cleared), with a stage-history row by the system saying why and a
`case.stage_changed` event for the core system. Only then is the outcome constraint narrowed.

A case can be reopened only if its account has no other open case (one open case per account), and only
the latest of an account's cases closed as legal. If some case cannot be reopened, the migration stops
before writing anything and names the cases; docs/operations.md says how to settle them.

The rows are found and rewritten in ranges of 50,000 ids, one set-based statement per range, so the
work is a bounded number of index range scans at 1,000,000 cases. The new columns carry constant
defaults (no table rewrite). The narrowed check constraint is added NOT VALID (no scan under the lock) and
validated, with the exceptions list's partial index built concurrently, by 0016.
"""

import django.contrib.postgres.fields
from django.conf import settings
from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models
from django.utils.translation import gettext_noop

ID_RANGE = 50_000
REOPEN_REASON = gettext_noop("Litigation is the legal stage of an open case: reopened from the retired outcome "
                             "“legal”.")
EVENT_WRITER_LOCK = 0x4356_4556  # events.services: event writers take ids one after another

BLOCKED = """
SELECT l.id FROM cases_case l
WHERE l.stage = 'closed' AND l.outcome = 'legal'
  AND EXISTS (SELECT 1 FROM cases_case o
              WHERE o.account_id = l.account_id AND o.id <> l.id
                AND (o.stage <> 'closed' OR (o.outcome = 'legal' AND o.id > l.id)))
ORDER BY l.id LIMIT 50
"""

REOPEN = """
WITH reopened AS (
    UPDATE cases_case c
       SET stage = 'legal', outcome = '', closed_at = NULL, stage_changed_at = %(now)s, updated_at = %(now)s
     WHERE c.id >= %(lo)s AND c.id < %(hi)s AND c.stage = 'closed' AND c.outcome = 'legal'
    RETURNING c.id, c.account_id
), history AS (
    INSERT INTO cases_stagehistory (case_id, from_stage, to_stage, outcome, actor_id, actor_label, reason, created_at)
    SELECT id, 'closed', 'legal', '', NULL, 'system', %(reason)s, %(now)s FROM reopened
)
INSERT INTO events_event (type, case_id, account_number, payload, occurred_at)
SELECT 'case.stage_changed', r.id, a.account_number,
       jsonb_build_object('from', 'closed', 'to', 'legal', 'reason', %(reason)s), %(now)s
FROM reopened r JOIN cases_account a ON a.id = r.account_id
ORDER BY r.id
"""


def reopen_legal_outcomes(apps, schema_editor):
    from django.utils import timezone

    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BLOCKED)
        blocked = [case_id for (case_id,) in cursor.fetchall()]
        if blocked:
            raise RuntimeError(
                "Cases closed with the retired outcome 'legal' whose account has another open case, or a later "
                f"case closed as legal, cannot be reopened at the legal stage: {blocked}. Settle them first "
                "(docs/operations.md, 'Litigation is a stage'), then migrate again.")
        cursor.execute("SELECT min(id), max(id) FROM cases_case WHERE stage = 'closed' AND outcome = 'legal'")
        low, high = cursor.fetchone()
        if low is None:
            return
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_WRITER_LOCK])
        for lo in range(low, high + 1, ID_RANGE):
            cursor.execute(REOPEN, {"lo": lo, "hi": lo + ID_RANGE, "now": now, "reason": REOPEN_REASON})
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_payment_reversals_recoveries_and_measure_requests'),
        ('events', '0004_cardholder_anonymised_event'),
        ('staff', '0002_team_capacity'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(reopen_legal_outcomes, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name='case',
            name='case_outcome_only_when_closed',
        ),
        migrations.AddField(
            model_name='case',
            name='amounts_confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='amounts confirmed at'),
        ),
        migrations.AddField(
            model_name='case',
            name='amounts_confirmed_by_label',
            field=models.CharField(blank=True, db_default='', max_length=150),
        ),
        migrations.AddField(
            model_name='case',
            name='confirm_checked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='confirm checks run at'),
        ),
        migrations.AddField(
            model_name='case',
            name='confirm_exceptions',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=20), blank=True, db_default=[], default=list, size=None, verbose_name='confirm checks failed'),
        ),
        migrations.AlterField(
            model_name='case',
            name='outcome',
            field=models.CharField(blank=True, choices=[('cured', 'Cured (paid in full)'), ('settled', 'Settled (plan or judgment paid)'), ('written_off', 'Written off'), ('recalled', 'Recalled by the core system')], max_length=20, verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='stagehistory',
            name='outcome',
            field=models.CharField(blank=True, choices=[('cured', 'Cured (paid in full)'), ('settled', 'Settled (plan or judgment paid)'), ('written_off', 'Written off'), ('recalled', 'Recalled by the core system')], max_length=20),
        ),
        AddConstraintNotValid(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('closed_at__isnull', False), ('outcome__in', ['cured', 'settled', 'written_off', 'recalled']), ('stage', 'closed')), models.Q(models.Q(('stage', 'closed'), _negated=True), ('closed_at__isnull', True), ('outcome', '')), _connector='OR'), name='case_outcome_only_when_closed'),
        ),
    ]
