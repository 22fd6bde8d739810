from django.db import migrations

# A case placed with an outside agency, or back from one, is marked for the pass, like a hold placed or
# released: what the in-house policy plans for it changes.
INSTALL = """
CREATE FUNCTION escalation_placement_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM escalation_mark(ARRAY(SELECT case_id FROM changed_placements));
    RETURN NULL;
END $$;
CREATE TRIGGER escalation_placement_inserted AFTER INSERT ON agencies_placement
    REFERENCING NEW TABLE AS changed_placements FOR EACH STATEMENT EXECUTE FUNCTION escalation_placement_changed();
CREATE TRIGGER escalation_placement_updated AFTER UPDATE ON agencies_placement
    REFERENCING NEW TABLE AS changed_placements FOR EACH STATEMENT EXECUTE FUNCTION escalation_placement_changed();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS escalation_placement_inserted ON agencies_placement;
DROP TRIGGER IF EXISTS escalation_placement_updated ON agencies_placement;
DROP FUNCTION IF EXISTS escalation_placement_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0012_stages_follow_the_first_contact"),
        ("agencies", "0001_placements_and_commission"),
    ]

    operations = [migrations.RunSQL(INSTALL, UNINSTALL)]
