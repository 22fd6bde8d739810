"""The default start, end to end: the embedded PostgreSQL server from an empty data folder and the
filesystem broker, with real web, worker, beat and portal processes started from the Procfile as `make run`
does, one escalation pass and a signed-in case page."""

import datetime as dt
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.embedded_postgres import is_running

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.smoke


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001, S110 - keep polling until the deadline
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def next_morning_in_shanghai() -> str:
    """10:00 in the cardholders' zone, today or tomorrow: inside the contact hours whenever the test runs."""
    zone = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.now(zone)
    morning = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if morning < now:
        morning += dt.timedelta(days=1)
    return morning.isoformat()


def sign_in(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": "demo-pass-2026",
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=body,
                                     headers={"Referer": f"{base}/accounts/login/"})
    with opener.open(request, timeout=10) as response:
        assert "/accounts/login/" not in response.url, "the sign-in was refused"
    return opener


def test_the_default_start_runs_on_an_embedded_postgresql_from_an_empty_folder(tmp_path):
    data_dir = tmp_path / "postgres"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "collections_portal.settings.local",
        "EMBEDDED_POSTGRES_DIR": str(data_dir),
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        "PATH": f"{BIN}:{env.get('PATH', '')}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    })

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, timeout=300)

    try:
        manage("migrate", "--noinput")
        assert (data_dir / "PG_VERSION").exists() and is_running(data_dir)
        seeded = manage("seed_demo", "--cases", "12")
        assert "12 cases created" in seeded.stdout and "demo-pass-2026" in seeded.stdout
        # Every manage.py command finds the same server and its data.
        assert "0 cases created, 12 already there" in manage("seed_demo", "--cases", "12").stdout
        # As a supervisor would in the admin: run the heartbeat every 2 seconds rather than every minute.
        manage("shell", "-c", "from django_celery_beat.models import IntervalSchedule; "
                              "IntervalSchedule.objects.update(every=2)")

        log_path = tmp_path / "honcho.log"
        with log_path.open("w") as log:
            procs = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_for(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200, 90, "/healthz")
                name = f"smoke-{uuid.uuid4()}"
                manage("shell", "-c", f"from core.tasks import heartbeat; heartbeat.delay({name!r})")
                seen = f"from core.models import Heartbeat; print(Heartbeat.objects.filter(name={name!r}).count())"
                wait_for(lambda: manage("shell", "-c", seen).stdout.strip().endswith("1"), 90,
                         "the worker to run the task")
                # The URL and the logins come again once every process is up.
                wait_for(lambda: "Collections Portal is up" in log_path.read_text(), 120, "the start-up banner")

                # The pass queued at start-up (as beat's schedule would) schedules contacts on the embedded server.
                count = "from contacts.models import ScheduledContact; print(ScheduledContact.objects.count())"
                wait_for(lambda: int(manage("shell", "-c", count).stdout.split()[-1]) > 0, 120,
                         "the start-up escalation pass to schedule contacts")
                # A pass run by hand as of a morning, as the README suggests outside the contact hours.
                assert "cases evaluated" in manage("run_escalation", "--as-of", next_morning_in_shanghai()).stdout

                # A signed-in agent opens a case page (every case page answered 500 on the old default).
                case_id = manage("shell", "-c", "from cases.models import Case; "
                                                "print(Case.objects.filter(assigned_agent__username='agent').first().pk)"
                                 ).stdout.split()[-1]
                opener = sign_in(base, "agent")
                with opener.open(f"{base}/cases/{case_id}/", timeout=20) as response:
                    assert response.status == 200
                    assert "csrfmiddlewaretoken" in response.read().decode()
            finally:
                os.killpg(procs.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
                try:
                    procs.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(procs.pid, signal.SIGKILL)
                    raise
        output = log_path.read_text()
        for process in ("web", "worker", "beat", "portal"):
            assert re.search(rf"{process}\.1 +stopped", output), output[-3000:]
        # Ctrl-C stopped the embedded server cleanly; a later command starts it again on the same data.
        assert "embedded PostgreSQL stopped" in output and not is_running(data_dir)
        assert "0 cases created, 12 already there" in manage("seed_demo", "--cases", "12").stdout
    finally:
        subprocess.run([sys.executable, "-m", "core.embedded_postgres", "stop"], cwd=ROOT, env=env, timeout=60,
                       check=False)
    assert not is_running(data_dir)
