"""The pass looks only at cases with something due or something changed.

CaseEscalation gains `next_due_at`; EscalationPending holds the cases whose inputs changed. On
PostgreSQL (where the pass runs) statement-level triggers with transition tables write EscalationPending
in the same transaction as each change, so no code path, ORM or raw SQL, can forget to. Existing open
cases, and cases with policy contacts still pending, are marked so the first pass looks at them all.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.migration_operations import RunSQLScript

POLICY_STAGES = "('confirm', 'plan', 'contact')"

INSTALL = f"""
CREATE SEQUENCE escalation_pending_mark_seq;

-- Mark cases for the pass. A case already marked takes a new mark (and its row lock), so a chunk that
-- read the old mark leaves the row in place for the next pass.
CREATE FUNCTION escalation_mark(case_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO escalation_escalationpending (case_id, mark)
    SELECT id, nextval('escalation_pending_mark_seq')
    FROM (SELECT DISTINCT id FROM unnest(case_ids) AS u(id) WHERE id IS NOT NULL ORDER BY id) ids
    ON CONFLICT (case_id) DO UPDATE SET mark = EXCLUDED.mark
$$;

CREATE FUNCTION escalation_case_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(SELECT id FROM new_cases WHERE stage IN {POLICY_STAGES}));
    RETURN NULL;
END $$;

-- What the pass reads of a case: the stage (into or out of the policy's stages, or to closed), the
-- overdue date, and the total only where it crosses a policy version's large-amount threshold.
CREATE FUNCTION escalation_case_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT n.id FROM new_cases n JOIN old_cases o ON o.id = n.id
        WHERE (o.stage <> n.stage AND NOT (o.stage IN {POLICY_STAGES} AND n.stage IN {POLICY_STAGES}))
           OR o.overdue_since IS DISTINCT FROM n.overdue_since
           OR (o.total_overdue <> n.total_overdue AND EXISTS (
                  SELECT 1 FROM escalation_policyversion pv
                  WHERE (o.total_overdue >= pv.large_amount_threshold)
                        <> (n.total_overdue >= pv.large_amount_threshold)))));
    RETURN NULL;
END $$;

CREATE FUNCTION escalation_hold_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(SELECT case_id FROM changed_holds));
    RETURN NULL;
END $$;

-- Failed calls without a conversation can make a visit due (the policy's calls_failed condition).
CREATE FUNCTION escalation_attempt_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(SELECT case_id FROM new_attempts WHERE channel = 'call'));
    RETURN NULL;
END $$;

-- The pass reads whether an email is on file and the time zone (days past due are local days).
CREATE FUNCTION escalation_customer_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT c.id FROM new_customers n JOIN old_customers o ON o.id = n.id
        JOIN cases_account a ON a.customer_id = n.id JOIN cases_case c ON c.account_id = a.id
        WHERE ((o.email = '') <> (n.email = '') OR o.timezone <> n.timezone) AND c.stage <> 'closed'));
    RETURN NULL;
END $$;

CREATE TRIGGER escalation_case_inserted AFTER INSERT ON cases_case
    REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION escalation_case_inserted();
CREATE TRIGGER escalation_case_updated AFTER UPDATE ON cases_case
    REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION escalation_case_updated();
CREATE TRIGGER escalation_hold_inserted AFTER INSERT ON cases_casehold
    REFERENCING NEW TABLE AS changed_holds FOR EACH STATEMENT EXECUTE FUNCTION escalation_hold_changed();
CREATE TRIGGER escalation_hold_updated AFTER UPDATE ON cases_casehold
    REFERENCING NEW TABLE AS changed_holds FOR EACH STATEMENT EXECUTE FUNCTION escalation_hold_changed();
CREATE TRIGGER escalation_hold_deleted AFTER DELETE ON cases_casehold
    REFERENCING OLD TABLE AS changed_holds FOR EACH STATEMENT EXECUTE FUNCTION escalation_hold_changed();
CREATE TRIGGER escalation_attempt_inserted AFTER INSERT ON contacts_contactattempt
    REFERENCING NEW TABLE AS new_attempts FOR EACH STATEMENT EXECUTE FUNCTION escalation_attempt_inserted();
CREATE TRIGGER escalation_customer_updated AFTER UPDATE ON cases_customer
    REFERENCING OLD TABLE AS old_customers NEW TABLE AS new_customers
    FOR EACH STATEMENT EXECUTE FUNCTION escalation_customer_updated();

INSERT INTO escalation_escalationpending (case_id, mark)
SELECT id, nextval('escalation_pending_mark_seq') FROM (
    SELECT id FROM cases_case WHERE stage <> 'closed'
    UNION
    SELECT case_id FROM contacts_scheduledcontact WHERE status = 'scheduled' AND origin = 'policy'
) marked ORDER BY id;
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_case_inserted ON cases_case;
DROP TRIGGER IF EXISTS escalation_case_updated ON cases_case;
DROP TRIGGER IF EXISTS escalation_hold_inserted ON cases_casehold;
DROP TRIGGER IF EXISTS escalation_hold_updated ON cases_casehold;
DROP TRIGGER IF EXISTS escalation_hold_deleted ON cases_casehold;
DROP TRIGGER IF EXISTS escalation_attempt_inserted ON contacts_contactattempt;
DROP TRIGGER IF EXISTS escalation_customer_updated ON cases_customer;
DROP FUNCTION IF EXISTS escalation_case_inserted(), escalation_case_updated(), escalation_hold_changed(),
    escalation_attempt_inserted(), escalation_customer_updated(), escalation_mark(bigint[]);
DROP SEQUENCE IF EXISTS escalation_pending_mark_seq;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_referral'),
        ('contacts', '0004_leaner_contact_indexes'),
        ('escalation', '0002_default_policy_and_schedule'),
    ]

    operations = [
        migrations.CreateModel(
            name='EscalationPending',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='cases.case')),
                ('mark', models.BigIntegerField()),
            ],
            options={
                'verbose_name': 'case awaiting the pass',
                'verbose_name_plural': 'cases awaiting the pass',
            },
        ),
        migrations.AddField(
            model_name='caseescalation',
            name='next_due_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='next due'),
        ),
        RunSQLScript(INSTALL, UNINSTALL),
    ]
