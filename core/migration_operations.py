"""Migration operations shared by the apps."""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """SQL (triggers, functions, storage settings) that only PostgreSQL runs; elsewhere nothing happens.

    The escalation pass and its triggers need PostgreSQL; the embedded SQLite default of `make run` has
    neither. Each script is executed whole, so function bodies between `$$` stay intact.
    """

    def __init__(self, sql: str, reverse_sql: str, **kwargs):
        super().__init__(sql=[sql], reverse_sql=[reverse_sql], **kwargs)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
