"""Stages follow the lifecycle's rules: plan once the pass placed a case, contact from the first contact made.

Until now the pass moved a case from confirm or plan to contact as soon as it scheduled a first contact.
From now on the pass moves a case that passes the confirm checks from confirm to plan when it places it
in a tier, and a case enters contact with the first contact actually made: a message sent (a scheduled
contact with status sent) or a contact attempt recorded on the case (by staff or the dialer, in either
direction). Existing open cases at confirm, plan or contact are moved to the stage this implies:

- a case with a contact made goes to contact (from confirm or plan);
- a case at contact with no contact made goes back to plan: the pass placed it when it scheduled the
  contact that has not happened yet;
- every other case stays where it is. A case at plan that the pass never placed is placed by the next
  pass like any other; cases at negotiate, follow-up, legal or closed are not touched.

Each move writes a stage-history row by the system saying why and a `case.stage_changed` event for the
core system. Every case left at confirm is marked for the escalation pass, which runs the confirm checks
on it (cases.confirm) at its next run.

The cases are read and rewritten in ranges of 50,000 ids, one set-based statement per range, each an
index range scan of the cases with one index probe per case into attempts (attempt_case_at_idx) and
scheduled contacts (contact_case_due_idx): at 1,000,000 cases, 20 statements. docs/operations.md gives
the time measured on a test database.

Two triggers mark the cases at confirm whose checks may have changed: their amounts changed or were
confirmed by a supervisor, or their cardholder gained or lost a phone number or an address on file.
"""

from django.db import migrations
from django.utils.translation import gettext_noop

from core.migration_operations import RunSQLScript

ID_RANGE = 50_000
TO_CONTACT = gettext_noop("First contact made.")
TO_PLAN = gettext_noop("No contact made yet: the case waits in plan for its first contact.")
EVENT_WRITER_LOCK = 0x4356_4556  # events.services: event writers take ids one after another

RESTAGE = """
WITH looked AS (
    SELECT c.id, c.stage, c.account_id,
           EXISTS (SELECT 1 FROM contacts_contactattempt ca WHERE ca.case_id = c.id)
           OR EXISTS (SELECT 1 FROM contacts_scheduledcontact s WHERE s.case_id = c.id AND s.status = 'sent')
               AS made
    FROM cases_case c
    WHERE c.id >= %(lo)s AND c.id < %(hi)s AND c.stage IN ('confirm', 'plan', 'contact')
), target AS (
    SELECT id, account_id, stage AS from_stage,
           CASE WHEN made THEN 'contact' WHEN stage = 'contact' THEN 'plan' ELSE stage END AS to_stage
    FROM looked
), moved AS (
    UPDATE cases_case c SET stage = t.to_stage, stage_changed_at = %(now)s, updated_at = %(now)s
      FROM target t
     WHERE c.id = t.id AND t.to_stage <> t.from_stage AND c.stage = t.from_stage
    RETURNING c.id, c.account_id, t.from_stage, t.to_stage
), history AS (
    INSERT INTO cases_stagehistory (case_id, from_stage, to_stage, outcome, actor_id, actor_label, reason, created_at)
    SELECT id, from_stage, to_stage, '', NULL, 'system',
           CASE WHEN to_stage = 'contact' THEN %(to_contact)s ELSE %(to_plan)s END, %(now)s
    FROM moved
), events AS (
    INSERT INTO events_event (type, case_id, account_number, payload, occurred_at)
    SELECT 'case.stage_changed', m.id, a.account_number,
           jsonb_build_object('from', m.from_stage, 'to', m.to_stage,
                              'reason', CASE WHEN m.to_stage = 'contact' THEN %(to_contact)s ELSE %(to_plan)s END),
           %(now)s
    FROM moved m JOIN cases_account a ON a.id = m.account_id
    ORDER BY m.id
)
SELECT escalation_mark(ARRAY(SELECT id FROM target WHERE to_stage = 'confirm'))
"""


def restage_open_cases(apps, schema_editor):
    from django.utils import timezone

    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM cases_case")
        low, high = cursor.fetchone()
        if low is None:
            return
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_WRITER_LOCK])
        for lo in range(low, high + 1, ID_RANGE):
            cursor.execute(RESTAGE, {"lo": lo, "hi": lo + ID_RANGE, "now": now, "to_contact": TO_CONTACT,
                                     "to_plan": TO_PLAN})
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


CONFIRM_INPUTS = """
CREATE FUNCTION escalation_case_confirm_inputs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT n.id FROM new_cases n JOIN old_cases o ON o.id = n.id
        WHERE n.stage = 'confirm'
          AND ((o.principal_overdue, o.interest_overdue, o.fees_overdue, o.penalty_overdue, o.amounts_confirmed_at)
               IS DISTINCT FROM
               (n.principal_overdue, n.interest_overdue, n.fees_overdue, n.penalty_overdue, n.amounts_confirmed_at))));
    RETURN NULL;
END $$;
CREATE FUNCTION escalation_customer_reachable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT c.id FROM new_customers n JOIN old_customers o ON o.id = n.id
        JOIN cases_account a ON a.customer_id = n.id JOIN cases_case c ON c.account_id = a.id
        WHERE c.stage = 'confirm'
          AND (o.phone_hash IS DISTINCT FROM n.phone_hash OR (o.address = '') <> (n.address = ''))));
    RETURN NULL;
END $$;
CREATE TRIGGER escalation_case_confirm_inputs AFTER UPDATE ON cases_case
    REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION escalation_case_confirm_inputs();
CREATE TRIGGER escalation_customer_reachable AFTER UPDATE ON cases_customer
    REFERENCING OLD TABLE AS old_customers NEW TABLE AS new_customers
    FOR EACH STATEMENT EXECUTE FUNCTION escalation_customer_reachable();
"""

CONFIRM_INPUTS_DROP = """
DROP TRIGGER IF EXISTS escalation_case_confirm_inputs ON cases_case;
DROP TRIGGER IF EXISTS escalation_customer_reachable ON cases_customer;
DROP FUNCTION IF EXISTS escalation_case_confirm_inputs(), escalation_customer_reachable();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0011_card_measures_schedule'),
        ('cases', '0016_confirm_checks_and_litigation_as_a_stage'),
        ('contacts', '0010_letter_purpose_and_drafted_text'),
        ('events', '0007_litigation_event_type'),
    ]

    operations = [
        RunSQLScript(CONFIRM_INPUTS, CONFIRM_INPUTS_DROP),
        migrations.RunPython(restage_open_cases, migrations.RunPython.noop, elidable=False),
    ]
