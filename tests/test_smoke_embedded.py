"""The embedded default, end to end: SQLite and the filesystem broker, with real web, worker and beat
processes started from the Procfile as `make run` does."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

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


def heartbeat_seen(db_path: Path, name: str) -> bool:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM core_heartbeat WHERE name = ?", (name,)).fetchone()[0] == 1


def test_embedded_default_runs_web_worker_and_beat(tmp_path):
    db_path = tmp_path / "portal.sqlite3"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "collections_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "PATH": f"{BIN}:{env.get('PATH', '')}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
    })

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, timeout=180)

    manage("migrate", "--noinput")
    seeded = manage("seed_demo", "--cases", "12")
    assert "12 cases created" in seeded.stdout and "demo-pass-2026" in seeded.stdout
    assert "0 cases created, 12 already there" in manage("seed_demo", "--cases", "12").stdout
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # As a supervisor would in the admin: run the heartbeat every 2 seconds rather than every minute.
        db.execute("UPDATE django_celery_beat_intervalschedule SET every = 2")

    log = (tmp_path / "honcho.log").open("w")
    procs = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200, 90, "/healthz")
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
            assert response.status == 200
            assert b"csrfmiddlewaretoken" in response.read()

        name = f"smoke-{uuid.uuid4()}"
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        f"from core.tasks import heartbeat; heartbeat.delay({name!r})"],
                       cwd=ROOT, env=env, check=True, timeout=60)
        wait_for(lambda: heartbeat_seen(db_path, name), 90, "the worker to run the task")
        # Beat's own schedule reaches the worker too.
        wait_for(lambda: heartbeat_seen(db_path, "beat"), 90, "beat's heartbeat")
    finally:
        os.killpg(procs.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            procs.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(procs.pid, signal.SIGKILL)
            raise
        finally:
            log.close()
    output = (tmp_path / "honcho.log").read_text()
    for process in ("web", "worker", "beat"):
        assert re.search(rf"{process}\.1 +stopped", output), output[-3000:]
