"""Finding: the audit trail could be wiped. TRUNCATE fired no trigger, the table's owner could DISABLE
TRIGGER, and the application connected as the database's superuser.

These tests build what deploy/postgres/roles.sql describes, in a database of their own, with roles whose
names are unique to the run (roles are cluster-wide), migrate it as the owner through DATABASE_MIGRATE_URL,
then connect as the application's role and try to rewrite history. Everything is dropped afterwards.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
import yaml
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import InternalError

ROOT = Path(__file__).resolve().parents[2]
INSERT = ("INSERT INTO audit_auditrecord (at, actor_label, action, object_type, object_id, changes, reason) "
          "VALUES (now(), 'agent', 'note.added', 'cases.case', '1', '{}', '')")


def dsn(user: str, name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class as_role:  # noqa: N801 - reads as a phrase: `with as_role(app, name) as conn`
    """An autocommit connection as `user`, closed on leaving the block."""

    def __init__(self, user: str, name: str):
        self.conn = psycopg2.connect(dsn(user, name))
        self.conn.autocommit = True

    def execute(self, sql: str, params=None):
        cursor = self.conn.cursor()
        cursor.execute(sql, params)
        return cursor

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture(scope="module")
def roles():
    """A fresh database migrated by its owner role; yields (database, owner, app). Dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    name, owner, app = f"cp_roles_{suffix}", f"cp_owner_{suffix}", f"cp_app_{suffix}"
    superuser = settings.DATABASES["default"]["USER"]
    admin = as_role(superuser, "postgres")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn(superuser, name), "-v", f"db={name}",
             "-v", f"owner={owner}", "-v", "owner_password=owner-secret", "-v", f"app={app}",
             "-v", "app_password=app-secret", "-f", str(ROOT / "deploy/postgres/roles.sql")],
            check=True, capture_output=True, text=True)
        env = {**os.environ, "DATABASE_URL": dsn(app, name), "DATABASE_MIGRATE_URL": dsn(owner, name)}
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert f"as the schema's owner, {owner}" in migrated.stdout
        yield name, owner, app, env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{app}"')
        admin.execute(f'DROP ROLE IF EXISTS "{owner}"')
        admin.close()


def test_the_application_role_reads_and_appends_the_audit_trail(roles):
    name, _owner, app, _env = roles
    with as_role(app, name) as conn:
        conn.execute(INSERT)
        assert conn.execute("SELECT count(*) FROM audit_auditrecord").fetchone()[0] >= 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditrecord SET reason = 'rewritten'",
    "DELETE FROM audit_auditrecord",
    "TRUNCATE audit_auditrecord",
    "ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only",
    "ALTER TABLE audit_auditrecord DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_record_no_truncate ON audit_auditrecord",
    "DROP TABLE audit_auditrecord",
    "CREATE TABLE scratch (id int)",
])
def test_the_application_role_cannot_rewrite_or_unguard_the_audit_trail(roles, statement):
    name, _owner, app, _env = roles
    with as_role(app, name) as conn:
        conn.execute(INSERT)
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM audit_auditrecord WHERE reason = 'rewritten'").fetchone()[0] == 0


def test_the_portal_does_its_work_as_the_application_role(roles):
    """Every table the owner's migrations made is open to the application's rows: demo data goes in as it."""
    name, _owner, app, env = roles
    env = {key: value for key, value in env.items() if key != "DATABASE_MIGRATE_URL"}
    seeded = subprocess.run([sys.executable, "manage.py", "seed_demo", "--cases", "12"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    with as_role(app, name) as conn:
        assert conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] == 12 + 1  # and the US cardholder's


def test_the_application_role_owns_nothing(roles):
    name, owner, app, _env = roles
    with as_role(owner, name) as conn:
        owners = conn.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
        grants = conn.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                              "WHERE table_name = 'audit_auditrecord' AND grantee = %s ORDER BY 1", [app]).fetchall()
    assert owners == [(owner,)]
    assert [g for (g,) in grants] == ["INSERT", "SELECT"]


@pytest.mark.parametrize("statement", ["TRUNCATE audit_auditrecord", "DELETE FROM audit_auditrecord",
                                       "UPDATE audit_auditrecord SET reason = 'rewritten'"])
def test_even_the_owner_is_refused_by_the_triggers(roles, statement):
    name, owner, _app, _env = roles
    with as_role(owner, name) as conn:
        conn.execute(INSERT)
        with pytest.raises(psycopg2.errors.RaiseException, match="append-only"):
            conn.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_on_the_test_database_too():
    from audit.models import AuditRecord

    AuditRecord.objects.create(actor_label="agent", action="note.added", object_type="cases.case", object_id="1")
    with pytest.raises(InternalError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditrecord")
    assert AuditRecord.objects.count() == 1


def test_compose_runs_the_portal_as_the_application_role_and_migrates_as_the_owner():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://portal_app:") and "DATABASE_MIGRATE_URL" not in env
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in str(services[name].get("command"))
    assert services["migrate"]["environment"]["DATABASE_MIGRATE_URL"].startswith("postgres://portal_owner:")
    assert "./deploy/postgres/init-roles.sh:/docker-entrypoint-initdb.d/10-portal-roles.sh:ro" in \
        services["db"]["volumes"]
