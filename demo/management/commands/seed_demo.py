from django.core.management.base import BaseCommand

from demo.services import DEMO_PASSWORD, demo_logins, demo_seed


class Command(BaseCommand):
    help = "Load demo teams, one login per role and demo cases. Safe to run again: it adds only what is missing."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=240, help="How many demo cases there should be.")

    def handle(self, *args, cases, **options):
        if cases < 0:
            self.stderr.write("--cases must be zero or more.")
            return
        summary = demo_seed(cases=cases)
        self.stdout.write(
            f"Demo data: {summary.cases_created} cases created, {summary.cases_existing} already there; "
            f"{len(summary.users_created)} users created."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for logins, label in demo_logins():
            self.stdout.write(f"  {logins:<24} {label}")
