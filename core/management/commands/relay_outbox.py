import time

from django.core.management.base import BaseCommand

from core.outbox import outbox_pending_count, outbox_relay


class Command(BaseCommand):
    help = "Publish the task outbox's pending rows to the broker (once, or every --every seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds until stopped")

    def handle(self, *args, every: float, **options):
        while True:
            sent = outbox_relay()
            self.stdout.write(f"sent {sent}, pending {outbox_pending_count()}")
            if not every:
                return
            time.sleep(every)
