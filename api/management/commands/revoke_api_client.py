from django.core.management.base import BaseCommand, CommandError

from api.services import api_client_revoke
from core.errors import DomainError


class Command(BaseCommand):
    help = "Revoke a core-system API client's token."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            client = api_client_revoke(name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Revoked API client {client.name}.")
