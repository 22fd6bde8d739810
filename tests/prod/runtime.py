"""The production image's steps, run on this machine without Docker.

The Dockerfile is read, not paraphrased: its settings module, its collectstatic step and its gunicorn
command come from the file, and docker-compose.yml gives the worker's command. They run in a virtualenv
holding requirements.txt alone, as the image does, kept between runs under var/prod-runtime/ and keyed
by the hash of requirements.txt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import http.cookies
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


# --- The image's recipe ---------------------------------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined and comments dropped."""
    joined, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [tuple(line.strip().split(None, 1)) for line in joined]


def dockerfile_env() -> dict[str, str]:
    values = {}
    for instruction, args in dockerfile_instructions():
        if instruction.upper() == "ENV":
            for item in shlex.split(args):
                key, _sep, value = item.partition("=")
                values[key] = value
    return values


def dockerfile_collectstatic() -> str:
    [step] = [args for instruction, args in dockerfile_instructions()
              if instruction.upper() == "RUN" and "collectstatic" in args]
    return step


def dockerfile_cmd() -> list[str]:
    [cmd] = [args for instruction, args in dockerfile_instructions() if instruction.upper() == "CMD"]
    return json.loads(cmd)


def command_with(command: list[str], **options: str) -> list[str]:
    """`command` with the values of these options replaced (`bind="127.0.0.1:9000"` for `--bind …`).

    gunicorn adds a second `--bind` to the first rather than replacing it, so a value is swapped, never
    appended; an option the command lacks is an error, since the image would then run differently.
    """
    result = list(command)
    for name, value in options.items():
        flag = f"--{name}"
        assert flag in result, f"{flag} is not in {command}"
        result[result.index(flag) + 1] = value
    return result


def compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


# --- The runtime virtualenv -----------------------------------------------------------------------------

def runtime_venv() -> Path:
    """A virtualenv with requirements.txt only (no test tools), built once per version of that file."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()[:16]
    base = ROOT / "var" / "prod-runtime"
    venv = base / digest
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs at once build it once
        if not (venv / ".complete").exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                            "-r", str(ROOT / "requirements.txt")], check=True, timeout=900, capture_output=True)
            (venv / ".complete").touch()
    return venv


def base_env(venv: Path, **extra: str) -> dict[str, str]:
    """A clean environment, as a container starts with: nothing from the test run leaks in."""
    env = {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    env.update(dockerfile_env())
    env.update(extra)
    return env


def static_build(venv: Path, static_root: Path, log: Path) -> subprocess.Popen:
    """Start the Dockerfile's collectstatic step, word for word, into `static_root`."""
    with log.open("w") as out:
        return subprocess.Popen(["sh", "-c", dockerfile_collectstatic()], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env=base_env(venv, DJANGO_STATIC_ROOT=str(static_root)))


# --- A fresh database and its runtime role --------------------------------------------------------------

@dataclass
class Database:
    host: str
    port: int
    owner: str
    name: str
    runtime_role: str
    runtime_password: str = field(repr=False)

    def url(self, *, runtime: bool) -> str:
        if runtime:
            return (f"postgres://{self.runtime_role}:{self.runtime_password}@{self.host}:{self.port}/{self.name}")
        return f"postgres://{self.owner}@{self.host}:{self.port}/{self.name}"

    def admin(self, sql: str, params=None, *, database: str | None = None) -> list[tuple]:
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.owner, dbname=database or self.name)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()


@contextlib.contextmanager
def fresh_database(settings_db: dict):
    """A new database on the configured server, and a login role that may read and write its rows but
    owns nothing: it can neither create nor alter a table. Both are dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    db = Database(host=settings_db["HOST"] or "127.0.0.1", port=int(settings_db["PORT"] or 5432),
                  owner=settings_db["USER"], name=f"cp_prod_smoke_{suffix}", runtime_role=f"cp_runtime_{suffix}",
                  runtime_password=uuid.uuid4().hex)
    db.admin(f'CREATE DATABASE "{db.name}"', database="postgres")
    try:
        yield db
    finally:
        db.admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)', database="postgres")
        db.admin(f'DROP ROLE IF EXISTS "{db.runtime_role}"', database="postgres")


def runtime_role_create(db: Database) -> None:
    """After the migrations ran as the owner: rows, never tables."""
    db.admin(f"CREATE ROLE \"{db.runtime_role}\" LOGIN PASSWORD %s", [db.runtime_password], database="postgres")
    for statement in (
        f'GRANT CONNECT ON DATABASE "{db.name}" TO "{db.runtime_role}"',
        f'GRANT USAGE ON SCHEMA public TO "{db.runtime_role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{db.runtime_role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{db.runtime_role}"',
    ):
        db.admin(statement)


def runtime_role_cannot_create_tables(db: Database) -> bool:
    conn = psycopg2.connect(host=db.host, port=db.port, user=db.runtime_role, password=db.runtime_password,
                            dbname=db.name)
    try:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE runtime_probe (id int)")
    except psycopg2.errors.InsufficientPrivilege:
        return True
    finally:
        conn.close()
    return False


# --- Processes and HTTP ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, on_timeout=lambda: ""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} ({last!r})\n{on_timeout()}")


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Browser:
    """A plain HTTP client that keeps its cookies, Secure ones included: the TLS proxy is simulated by
    X-Forwarded-Proto, so the connection itself is plain HTTP. It never follows redirects."""

    def __init__(self, port: int, *, https: bool = True):
        self.port, self.https = port, https
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method: str, path: str, *, form: dict | None = None, json_body=None,
                headers: dict | None = None) -> Response:
        all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.https:
            all_headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            all_headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return Response(raw.status, raw.headers, text)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def sign_in(self, username: str, password: str) -> Response:
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        return self.request("POST", "/accounts/login/", headers={"Referer": f"{self.origin}/accounts/login/"},
                            form={"username": username, "password": password, "csrfmiddlewaretoken": token})


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""
