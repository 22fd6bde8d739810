"""What the fault scenarios share: Django set-up, a private Redis server, Celery workers, waiting."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_setup(broker_port: int) -> None:
    """Point Celery at this scenario's Redis and start Django (call before importing models)."""
    os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{broker_port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_portal.settings.test")
    import django

    django.setup()
    from core.models import OutboxTask  # noqa: F401 - fail early when the database is not migrated


class RedisServer:
    """A throwaway redis-server on a spare loopback port, without persistence."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, seconds=10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def redis_server(port: int):
    server = RedisServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def celery(*args: str, log: str = "worker") -> subprocess.Popen:
    """A Celery process (worker or beat) in its own process group, with this process's environment."""
    logfile = open(Path(tempfile.gettempdir()) / f"faults-{log}-{os.getpid()}.log", "w")  # noqa: SIM115
    return subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "collections_portal", *args],
                            cwd=ROOT, env=dict(os.environ), stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)


def worker(*, name: str = "worker") -> subprocess.Popen:
    return celery("worker", "--pool", "solo", "-l", "WARNING", "-n", f"{name}@%h", "--without-gossip",
                  "--without-mingle", "--without-heartbeat", log=name)


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """Stop a process started by celery(), and its children: SIGKILL when `kill`, else a warm shutdown."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(condition, *, seconds: float = 60, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def report(checks: dict, **details) -> None:
    """Print the scenario's result line: passed when every check is True."""
    passed = all(value is True for value in checks.values())
    print("RESULT " + json.dumps({"passed": passed, "checks": checks, **details}, default=str, ensure_ascii=False),
          flush=True)


def which(program: str) -> str:
    return shutil.which(program) or program
