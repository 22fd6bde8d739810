"""gunicorn's settings, read from the working folder at start (the image's /app).

Metrics: each worker process writes its figures to PROMETHEUS_MULTIPROC_DIR, so that /metrics, answered by
any one worker, adds up all of them. The folder must belong to this server alone: the figures' files left in
it by an earlier start are removed.
Logs: gunicorn's own lines in the same JSON shape as the application's when LOG_FORMAT is json (the
production default).
"""

import os
import shutil
import tempfile
from pathlib import Path

# Without a folder named by the environment, one made for this server alone, and removed when it stops.
_folder_made_here = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _folder_made_here:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def on_exit(server):
    if _folder_made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


_production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
if os.environ.get("LOG_FORMAT", "json" if _production else "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "stream": "ext://sys.stderr"}},
        # No access log: the application writes one line per request (core/middleware.py) naming the route,
        # where an access log would print paths and query strings, which can hold personal data.
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
                    "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False}},
    }
