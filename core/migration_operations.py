"""Migration operations shared by the apps."""

from django.db import migrations


class RunSQLScript(migrations.RunSQL):
    """SQL (triggers, functions, storage settings) executed as one script each way.

    Each script is executed whole, so function bodies between `$$` stay intact.
    """

    def __init__(self, sql: str, reverse_sql: str, **kwargs):
        super().__init__(sql=[sql], reverse_sql=[reverse_sql], **kwargs)
