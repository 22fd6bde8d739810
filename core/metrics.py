"""Prometheus metrics that processes count as they work: requests, queries per request, Celery tasks,
deliveries and governor verdicts.

gunicorn and Celery's prefork pool run several processes, so with PROMETHEUS_MULTIPROC_DIR set each one
writes its figures to files there and the exporter (`/metrics` on the web, CELERY_METRICS_PORT on a
worker) adds them up across processes. Figures read at scrape time from the database and the broker live
in monitoring/collectors.py.
"""

import logging
import os
import time

from celery import signals
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
QUERY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900)

http_requests = Counter("portal_http_requests_total", "Requests answered, by route name, method and status.",
                        ["view", "method", "status"])
http_latency = Histogram("portal_http_request_duration_seconds", "Time to answer a request, by route and status.",
                         ["view", "status"], buckets=LATENCY_BUCKETS)
http_queries = Histogram("portal_http_request_db_queries", "Database queries made while answering one request.",
                         ["view"], buckets=QUERY_BUCKETS)
celery_tasks = Counter("portal_celery_tasks_total", "Celery task runs by task and outcome "
                       "(succeeded, failed, retried).", ["task", "outcome"])
celery_runtime = Histogram("portal_celery_task_duration_seconds", "Celery task run time, by task.", ["task"],
                           buckets=TASK_BUCKETS)
deliveries = Counter("portal_contact_deliveries_total", "Automated contact deliveries by channel and outcome "
                     "(sent, retry, failed).", ["channel", "outcome"])
governor_refusals = Counter("portal_governor_refusals_total",
                            "Contacts the governor refused before they happened (callbacks, visits), by failed rule.",
                            ["rule"])
governor_overrides = Counter("portal_governor_overrides_total",
                             "Contacts made under a supervisor's authorised exception, by the rule it set aside.",
                             ["rule"])
governor_breaches = Counter("portal_governor_breaches_total",
                            "Contacts that happened although a rule failed (recorded as breaches), by rule.", ["rule"])


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def registry_for_scrape() -> CollectorRegistry:
    """Every process's figures when running multi-process; this process's own otherwise."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def delivery_record(*, channel: str, outcome: str) -> None:
    deliveries.labels(channel=channel, outcome=outcome).inc()


def governor_record(*, failed_rules: list[str], overridden: bool = False, recorded: bool = False) -> None:
    """Count per failed rule: a refusal before a contact, or a contact recorded as a breach, or one made
    under a supervisor's exception (`overridden`), which is not a breach."""
    for rule in failed_rules:
        if recorded:
            (governor_overrides if overridden else governor_breaches).labels(rule=rule).inc()
        else:
            governor_refusals.labels(rule=rule).inc()


# --- Celery tasks ---------------------------------------------------------------------------------------
_started: dict[str, float] = {}
task_logger = logging.getLogger("portal.task")


@signals.task_prerun.connect(dispatch_uid="core.metrics.prerun")
def _task_started(task_id=None, **_kwargs) -> None:
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect(dispatch_uid="core.metrics.postrun")
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    """Count the run and write the task's own line (its request id comes from core.request_id)."""
    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    duration = time.perf_counter() - started if started is not None else None
    if duration is not None:
        celery_runtime.labels(task=name).observe(duration)
    outcome = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}.get(state, str(state).lower())
    celery_tasks.labels(task=name, outcome=outcome).inc()
    task_logger.info("task %s %s", name, outcome, extra={
        "task": name, "task_id": task_id, "outcome": outcome,
        "duration_ms": round(duration * 1000, 1) if duration is not None else None})


@signals.worker_init.connect(dispatch_uid="core.metrics.worker_init")
def _worker_metrics_folder_prepare(**_kwargs) -> None:
    """Before the pool starts: the folder exists, and holds no figures from an earlier start."""
    folder = multiprocess_dir()
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))


@signals.worker_ready.connect(dispatch_uid="core.metrics.exporter")
def _worker_exporter_start(**_kwargs) -> None:
    """A worker serves its figures on CELERY_METRICS_PORT (unset: none), for Prometheus to scrape."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        start_http_server(int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "0.0.0.0"),  # noqa: S104
                          registry=registry_for_scrape())


@signals.worker_process_shutdown.connect(dispatch_uid="core.metrics.child_exit")
def _worker_child_exit(pid=None, **_kwargs) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())
