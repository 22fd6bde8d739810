from django.core.management.base import BaseCommand

from staff.services import team_create


class Command(BaseCommand):
    help = "Create a team of collections staff (does nothing if it exists)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--region", default="")

    def handle(self, *args, name, region, **options):
        team = team_create(name=name, region=region)
        self.stdout.write(self.style.SUCCESS(f"Team {team.name} is ready."))
