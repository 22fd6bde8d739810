-- The two database roles of Collections Portal (README, "Database roles"). Run once as a superuser,
-- connected to the portal's database, with the psql variables db, owner, owner_password, app and
-- app_password, e.g.:
--   psql -v ON_ERROR_STOP=1 -d portal -v db=portal -v owner=portal_owner -v owner_password=... \
--        -v app=portal_app -v app_password=... -f deploy/postgres/roles.sql
--
-- owner: owns the database, its schema and every table; runs `manage.py migrate` (DATABASE_MIGRATE_URL).
-- app:   what the web server, the workers and beat connect as (DATABASE_URL). It owns nothing: it reads
--        and writes rows, never the schema, and on the audit trail it may only SELECT and INSERT.
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';

ALTER DATABASE :"db" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Every table and sequence the owner's migrations create: rows for the application, nothing more.
-- The audit migration (audit 0003) then takes UPDATE and DELETE on the audit trail back.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app";

-- A database that already holds the tables (move their ownership to the owner first, see README).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO :"app";
SELECT set_config('portal.app_role', :'app', false) AS app_role \gset
DO $$
BEGIN
    IF to_regclass('public.audit_auditrecord') IS NOT NULL THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditrecord FROM %I',
                       current_setting('portal.app_role'));
    END IF;
END $$;
