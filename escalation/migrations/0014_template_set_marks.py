from django.db import migrations

# An agency's template set put in force or withdrawn changes what the pass plans for every case placed with
# it (its automated messages go on or stop): those cases are marked, like a placement that starts or ends.
INSTALL = """
CREATE FUNCTION escalation_template_set_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(
        SELECT p.case_id FROM agencies_placement p
        WHERE p.ended_at IS NULL AND p.agency_id IN (SELECT agency_id FROM changed_sets)));
    RETURN NULL;
END $$;
CREATE TRIGGER escalation_template_set_inserted AFTER INSERT ON agencies_templateset
    REFERENCING NEW TABLE AS changed_sets FOR EACH STATEMENT EXECUTE FUNCTION escalation_template_set_changed();
CREATE TRIGGER escalation_template_set_updated AFTER UPDATE ON agencies_templateset
    REFERENCING NEW TABLE AS changed_sets FOR EACH STATEMENT EXECUTE FUNCTION escalation_template_set_changed();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_template_set_inserted ON agencies_templateset;
DROP TRIGGER IF EXISTS escalation_template_set_updated ON agencies_templateset;
DROP FUNCTION IF EXISTS escalation_template_set_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0013_placement_marks"),
        ("agencies", "0003_agency_template_sets"),
    ]

    operations = [migrations.RunSQL(INSTALL, UNINSTALL)]
