from django.core.management.base import BaseCommand

from cases.personal_data import customers_rotate_encryption


class Command(BaseCommand):
    help = ("Re-encrypt all personal data with the first key of PII_ENCRYPTION_KEYS and recompute the lookup "
            "hashes with PII_HASH_KEY. Safe to run again; run it after putting a new key first.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=2000)

    def handle(self, *args, chunk, **options):
        count = customers_rotate_encryption(chunk=chunk)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} cardholders with the current key."))
