"""Contact limits count per cardholder, so the marks follow the cardholder.

A contact attempt logged on one case marks every open case of its cardholder: a call on one card uses
up the day's calls for the others. A change of the cardholder's contact points (a snapshot replacing the
core system's list, a point added, a number reported wrong) marks their open cases too, since the pass
reads who may be reached.
"""

from django.db import migrations

from core.migration_operations import RunSQLScript

INSTALL = """
CREATE OR REPLACE FUNCTION escalation_attempt_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT c.id FROM (SELECT DISTINCT customer_id FROM new_attempts) n
        JOIN cases_account a ON a.customer_id = n.customer_id
        JOIN cases_case c ON c.account_id = a.id
        WHERE c.stage <> 'closed'));
    RETURN NULL;
END $$;

CREATE FUNCTION escalation_contact_points_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT c.id FROM (SELECT DISTINCT customer_id FROM changed_points) n
        JOIN cases_account a ON a.customer_id = n.customer_id
        JOIN cases_case c ON c.account_id = a.id
        WHERE c.stage <> 'closed'));
    RETURN NULL;
END $$;

CREATE TRIGGER escalation_contact_point_inserted AFTER INSERT ON cases_contactpoint
    REFERENCING NEW TABLE AS changed_points FOR EACH STATEMENT EXECUTE FUNCTION escalation_contact_points_changed();
CREATE TRIGGER escalation_contact_point_updated AFTER UPDATE ON cases_contactpoint
    REFERENCING NEW TABLE AS changed_points FOR EACH STATEMENT EXECUTE FUNCTION escalation_contact_points_changed();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_contact_point_inserted ON cases_contactpoint;
DROP TRIGGER IF EXISTS escalation_contact_point_updated ON cases_contactpoint;
DROP FUNCTION IF EXISTS escalation_contact_points_changed();
CREATE OR REPLACE FUNCTION escalation_attempt_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(SELECT case_id FROM new_attempts WHERE channel = 'call'));
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_contact_points'),
        ('contacts', '0005_record_first'),
        ('escalation', '0006_large_amount_per_currency'),
    ]

    operations = [RunSQLScript(INSTALL, UNINSTALL)]
