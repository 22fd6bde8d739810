"""A repeating call task waits in the agent's queue until it is worked, so the pass must hear when it is.

A policy call task that leaves `scheduled` (worked, cancelled by staff) marks its case: the pass then
schedules the rule's next cadence slot. The pass's own cancellations (a superseded task, a closed case,
a hold) run with `escalation.in_pass` set and mark nothing.
"""

from django.db import migrations

from core.migration_operations import RunSQLScript

INSTALL = """
CREATE FUNCTION escalation_call_task_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY[NEW.case_id]);
    RETURN NULL;
END $$;

CREATE TRIGGER escalation_call_task_finished AFTER UPDATE OF status ON contacts_scheduledcontact
    FOR EACH ROW
    WHEN (OLD.status = 'scheduled' AND NEW.status <> 'scheduled' AND NEW.channel = 'call' AND NEW.origin = 'policy'
          AND current_setting('escalation.in_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION escalation_call_task_finished();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_call_task_finished ON contacts_scheduledcontact;
DROP FUNCTION IF EXISTS escalation_call_task_finished();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0004_leaner_contact_indexes'),
        ('escalation', '0004_pending_waits_for_first_tier'),
    ]

    operations = [
        RunSQLScript(INSTALL, UNINSTALL),
    ]
