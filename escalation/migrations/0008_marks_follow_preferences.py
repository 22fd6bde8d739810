"""A cardholder's contact preferences are read by the pass, so a new statement marks their open cases.

An opt-out, a window or a consent changes which channel the pass may use and when; the statement is
inserted, never updated, so the insert is the one change to follow.
"""

from django.db import migrations

from core.migration_operations import RunSQLScript

INSTALL = """
CREATE FUNCTION escalation_preferences_stated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT c.id FROM (SELECT DISTINCT customer_id FROM new_statements) n
        JOIN cases_account a ON a.customer_id = n.customer_id
        JOIN cases_case c ON c.account_id = a.id
        WHERE c.stage <> 'closed'));
    RETURN NULL;
END $$;

CREATE TRIGGER escalation_preference_stated AFTER INSERT ON cases_contactpreferencestatement
    REFERENCING NEW TABLE AS new_statements FOR EACH STATEMENT EXECUTE FUNCTION escalation_preferences_stated();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_preference_stated ON cases_contactpreferencestatement;
DROP FUNCTION IF EXISTS escalation_preferences_stated();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_contact_preferences'),
        ('escalation', '0007_marks_follow_the_cardholder'),
    ]

    operations = [RunSQLScript(INSTALL, UNINSTALL)]
