"""`manage.py local_portal`: the Procfile's `portal` process beside web, worker and beat in `make run`.

Once every process is up (the web server answers /healthz and a worker has run beat's heartbeat), it
queues one escalation pass, the planning of letters to estates and the first count of the agencies' and the
self-service funnel's totals, so that a newcomer sees contacts scheduled and those pages filled at once rather
than after beat's first interval. Then it prints where the portal is and who
can sign in, so that the URL and the logins are not buried in the start-up output. It then waits; when
Ctrl-C or honcho stops the processes, it stops the embedded PostgreSQL server cleanly (with DATABASE_URL
set there is none to stop).
"""

import os
import signal
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.embedded_postgres import is_running, stop
from core.models import Heartbeat
from core.outbox import task_enqueue
from demo.services import DEMO_PASSWORD, demo_logins

READY_WAIT_SECONDS = 120


# Queued once every process is up, rather than after beat's first interval: the first escalation pass; the
# letters to estates (hourly, and the demo's death is already two weeks old); the pre-counted pages' totals
# (agencies, the self-service funnel), which would show nothing for their first 15 minutes or hour.
FIRST_TASKS = ("escalation.pass", "escalation.estate_letters", "agencies.refresh_in_house_totals",
               "agencies.refresh_agency_totals", "dashboards.refresh_self_service_totals")


def first_tasks_enqueue() -> None:
    with transaction.atomic():
        for task in FIRST_TASKS:
            task_enqueue(task=task)


class Command(BaseCommand):
    help = "Announce the URL and demo logins once web, worker and beat are up; stop the embedded database at exit."

    def handle(self, *args, **options):
        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        # Not PORT: honcho gives each process a PORT of its own (web's plus 100 per process).
        host, port = os.environ.get("WEB_HOST", "127.0.0.1"), os.environ.get("WEB_PORT", "8000")
        url = f"http://{host}:{port}/"
        waiting = self.wait_until_up(url, timezone.now(), done)
        if not done.is_set():
            if not waiting:
                first_tasks_enqueue()
            self.announce(url, waiting)
        done.wait()
        data_dir = getattr(settings, "EMBEDDED_POSTGRES_DATA", None)
        if data_dir is not None and is_running(data_dir):
            stop(data_dir)
            self.stdout.write("embedded PostgreSQL stopped")
            self.stdout.flush()
        os._exit(0)

    def wait_until_up(self, url: str, started, done: threading.Event) -> list[str]:
        """Wait for the web server and a fresh heartbeat; return what is still not up after the wait."""
        web = beat = False
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while not (web and beat) and time.monotonic() < deadline and not done.wait(1):
            if not web:
                try:
                    with urllib.request.urlopen(f"{url}healthz", timeout=2) as response:  # noqa: S310 - our own URL
                        web = response.status == 200
                except OSError:
                    pass
            if not beat:
                beat = Heartbeat.objects.filter(name="beat", seen_at__gte=started).exists()
        return [name for name, up in (("web", web), ("worker and beat", beat)) if not up]

    def announce(self, url: str, waiting: list[str]) -> None:
        lines = ["", "=" * 72, f"  Collections Portal is up: {url}   (health: {url}healthz)"]
        if waiting:
            lines.append(f"  Still starting after {READY_WAIT_SECONDS} s: {', '.join(waiting)}")
        else:
            lines.append("  The first escalation pass is running now, then every 15 minutes (see the README).")
        lines.append(f"  Demo logins, password for all: {DEMO_PASSWORD}")
        lines += [f"    {logins:<24} {label}" for logins, label in demo_logins()]
        if getattr(settings, "EMBEDDED_POSTGRES_DATA", None) is not None:
            lines.append(f"  Database: embedded PostgreSQL in {settings.EMBEDDED_POSTGRES_DATA}")
        lines += ["  Ctrl-C stops everything.", "=" * 72, ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
