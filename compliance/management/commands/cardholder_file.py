"""Build a cardholder's file (for a regulator or a court) as a ZIP; the build is audited."""

import getpass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from compliance.cardholder_file import cardholder_file_build, cardholder_find
from staff.permissions import Capability, can


class Command(BaseCommand):
    help = "Build a cardholder's file: a PDF summary, the letters and agreements, and a SHA-256 manifest, in a ZIP."

    def add_arguments(self, parser):
        parser.add_argument("cardholder", help="the core system's cardholder id, or the national id")
        parser.add_argument("--out", required=True, help="where to write the ZIP")
        parser.add_argument("--by", default="", help="login of the compliance officer the file is built for")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"],
                            help="language of the summary (default zh-hans)")

    def handle(self, *args, cardholder, out, by, language, **options):
        customer = cardholder_find(cardholder)
        if customer is None:
            raise CommandError("No cardholder has that id.")
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None or not can(actor, Capability.BUILD_CARDHOLDER_FILE):
                raise CommandError(f"{by!r} may not build a cardholder's file.")
        else:
            # Run from a shell on the server: the audit trail names the operating-system account.
            actor = f"manage.py ({getpass.getuser()})"
        with translation.override(language):
            built = cardholder_file_build(customer=customer, actor=actor)
        path = Path(out)
        path.write_bytes(built.zip_bytes)
        self.stdout.write(f"{path}: {len(built.names)} files, manifest SHA-256 {built.manifest_sha256}")
