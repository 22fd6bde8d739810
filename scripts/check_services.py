"""Check that the test suite's PostgreSQL and Redis answer, and name the address of any that does not."""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/collections_portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
}
NAMES = {"DATABASE_URL": "PostgreSQL", "CELERY_BROKER_URL": "Redis"}


def main() -> int:
    failed = False
    for variable, default in DEFAULTS.items():
        url = urlparse(os.environ.get(variable, default))
        host, port = url.hostname or "127.0.0.1", url.port or (5432 if "postgres" in url.scheme else 6379)
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as exc:
            failed = True
            print(f"{NAMES[variable]} cannot be reached at {host}:{port} ({variable}): {exc.strerror or exc}.",
                  file=sys.stderr)
    if failed:
        print("Start the missing service (see README, 'Running the tests') and try again.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
