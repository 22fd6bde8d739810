import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from core.errors import DomainError
from escalation.services import escalation_pass_run


class Command(BaseCommand):
    help = "Run the escalation pass now, synchronously, and print what it did."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="ISO 8601 moment to evaluate at (default: now); naive means UTC")
        parser.add_argument("--dry-run", action="store_true", help="compute everything, then roll it back")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        moment = None
        if as_of:
            moment = parse_datetime(as_of)
            if moment is None:
                raise CommandError(f"--as-of {as_of!r} is not an ISO 8601 date and time.")
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
        try:
            summary = escalation_pass_run(as_of=moment, dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = self.stdout
        out.write(("Dry run (nothing saved)" if dry_run else "Escalation pass") + ":")
        out.write(f"  cases evaluated:   {summary.cases_evaluated}")
        out.write(f"  tier changes:      {summary.tier_changes}")
        out.write(f"  moved to plan:     {summary.moved_to_plan}")
        out.write(f"  waiting in confirm (a check failed): {summary.failing_confirm}")
        out.write(f"  cancelled:         {summary.cancelled} (closed or on hold), {summary.superseded} superseded")
        out.write("  contacts scheduled per channel:")
        for channel, count in sorted(summary.scheduled.items()) or [("none", 0)]:
            out.write(f"    {channel}: {count}")
        out.write("  contacts held back per rule:")
        for rule, count in sorted(summary.held_back.items()) or [("none", 0)]:
            out.write(f"    {rule}: {count}")
        out.write("  cases placed with agencies per agency:")
        for agency, count in sorted(summary.placed.items()) or [("none", 0)]:
            out.write(f"    {agency}: {count}")
        out.write("  cases the policy would place kept in-house, per reason:")
        for reason, count in sorted(summary.kept_in_house.items()) or [("none", 0)]:
            out.write(f"    {reason}: {count}")
