import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from staff.models import Agency, Role, Team
from staff.services import staff_create


class Command(BaseCommand):
    help = "Create a member of staff. The password comes from STAFF_PASSWORD, or is prompted for."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", help="Name of an existing team.")
        parser.add_argument("--agency", help="Legal name of an existing agency (for agency roles).")
        parser.add_argument("--region", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, team, region, email, agency=None, **options):
        team_obj = None
        if team:
            team_obj = Team.objects.filter(name=team).first()
            if team_obj is None:
                known = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(f"No team named {team!r} (known teams: {known}). Create it with create_team.")
        agency_obj = None
        if agency:
            agency_obj = Agency.objects.filter(name=agency).first()
            if agency_obj is None:
                known = ", ".join(Agency.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(f"No agency named {agency!r} (known agencies: {known}). "
                                   "Create it with create_agency.")
        password = os.environ.get("STAFF_PASSWORD") or self._prompt()
        try:
            staff_create(username=username, role=role, password=password, team=team_obj, region=region,
                         email=email, agency=agency_obj)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {username} ({role})."))

    def _prompt(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not first:
            raise CommandError("A password is required.")
        return first
