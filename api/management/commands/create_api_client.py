from django.core.management.base import BaseCommand, CommandError

from api.services import api_client_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create a core-system API client and print its token, alone, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True, help="comma-separated: ingest,read,telephony")

    def handle(self, *args, name, scopes, **options):
        try:
            client, token = api_client_create(name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created API client {client.name} with scopes {','.join(client.scopes)}. "
                          "The token is shown once; store it now:")
        self.stdout.write(token)
