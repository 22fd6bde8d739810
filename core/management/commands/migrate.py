"""Django's `migrate`, connected as the schema's owner when DATABASE_MIGRATE_URL is set.

The application runs as a role that owns nothing (DATABASE_URL), so it can neither change the schema nor
drop or disable the audit trail's triggers. Migrations need an owner: this command swaps the default
connection's credentials for the owner's before running, so RunPython steps and post-migrate hooks,
which use the default connection, run as the owner too.
"""

from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

CREDENTIALS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


class Command(migrate.Command):
    def handle(self, *args, **options):
        owner = settings.DATABASE_MIGRATE
        if owner and options["database"] == DEFAULT_DB_ALIAS:
            connection = connections[DEFAULT_DB_ALIAS]
            connection.close()
            connection.settings_dict.update({key: owner[key] for key in CREDENTIALS if key in owner})
            if options["verbosity"] >= 1:
                self.stdout.write(f"Migrating as the schema's owner, {owner['USER']} (DATABASE_MIGRATE_URL).")
        return super().handle(*args, **options)
