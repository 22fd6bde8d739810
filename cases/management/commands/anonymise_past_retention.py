from django.conf import settings
from django.core.management.base import BaseCommand

from cases.retention import anonymise_past_retention, past_retention, retention_cutoff


class Command(BaseCommand):
    help = (f"Anonymise every cardholder whose cases all closed more than RETENTION_YEARS ago (now "
            f"{settings.RETENTION_YEARS}) and who is under no legal hold. Safe to run again; the daily task "
            "cases.anonymise_past_retention does the same.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would be anonymised; change nothing.")
        parser.add_argument("--limit", type=int, default=None, help="Anonymise at most this many cardholders.")

    def handle(self, *args, dry_run, limit, **options):
        cutoff = retention_cutoff()
        if dry_run:
            due = past_retention().order_by("pk")
            count = due.count()
            self.stdout.write(f"Cases closed before {cutoff:%Y-%m-%d %H:%M} UTC are past retention.")
            for external_id, cases in due.values_list("external_id", "accounts__cases").order_by("pk")[:100]:
                self.stdout.write(f"  cardholder {external_id}: case {cases}")
            self.stdout.write(self.style.SUCCESS(f"{count} cardholders would be anonymised."))
            return
        run = anonymise_past_retention(limit=limit)
        for model, rows in sorted(run.rows.items()):
            self.stdout.write(f"  {model}: {rows} rows")
        if run.failed:
            self.stderr.write(f"{len(run.failed)} cardholders failed and are left as they were: "
                              f"ids {', '.join(map(str, run.failed[:20]))}")
        self.stdout.write(self.style.SUCCESS(f"Anonymised {len(run.anonymised)} cardholders."))
