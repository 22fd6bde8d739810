from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from agencies.services import agency_create
from core.actors import SYSTEM
from core.errors import DomainError


class Command(BaseCommand):
    help = "Add an outside collection agency to the whitelist, approved."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--licence", required=True)
        parser.add_argument("--regions", default="", help="Comma-separated regions served.")
        parser.add_argument("--commission", default="10", help="Base commission, percent of amounts recovered.")
        parser.add_argument("--capacity", type=int, default=500)
        parser.add_argument("--days", type=int, default=90, help="Default placement days.")

    def handle(self, *args, name, licence, regions, commission, capacity, days, **options):
        try:
            percent = Decimal(commission)
        except InvalidOperation as exc:
            raise CommandError(f"--commission must be a number, not {commission!r}.") from exc
        try:
            agency = agency_create(name=name, licence=licence, actor=SYSTEM, commission_percent=percent,
                                   regions=[r.strip() for r in regions.split(",") if r.strip()],
                                   capacity=capacity, placement_days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Created agency {agency.name} ({agency.licence})."))
