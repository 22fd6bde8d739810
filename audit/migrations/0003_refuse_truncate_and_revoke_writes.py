from django.db import migrations

# The row trigger of 0002 refuses UPDATE and DELETE, but TRUNCATE fires no row trigger: a statement
# trigger refuses it too. Privileges are the second wall: whoever was granted more than reading and
# appending (default privileges give the application's role UPDATE and DELETE on every new table) loses
# it here, so the application's role may only SELECT and INSERT. Only the table's owner, which runs the
# migrations, could drop or disable the triggers (see README, "Database roles").
UP = """
CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_auditrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only();

DO $$
DECLARE
    grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT acl.grantee::regrole::text
        FROM pg_class c, aclexplode(c.relacl) acl
        WHERE c.oid = 'audit_auditrecord'::regclass AND acl.grantee <> c.relowner AND acl.grantee <> 0
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditrecord FROM %s',
                       grantee_name);
    END LOOP;
END $$;
REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditrecord FROM PUBLIC;
"""
DOWN = "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_auditrecord;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunSQL(UP, DOWN)]
