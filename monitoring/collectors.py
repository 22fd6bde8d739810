"""Figures read at scrape time from the database and the broker, for Prometheus.

Every query here reads a small table or a few rows through an index: the pre-aggregated open-case totals
(refreshed by the dashboards' task), the newest escalation run and its chunks, the outbox's pending rows,
open complaints past their due date, beat's heartbeat and the broker's queue lengths. None counts cases,
contacts or attempts, so a scrape costs the same at a million cases as at ten.
"""

import logging
import time

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from core.models import Heartbeat, OutboxTask
from dashboards.models import OpenCaseTotal
from escalation.models import EscalationRun
from escalation.services import PassSummary

logger = logging.getLogger(__name__)


def _gauge(name: str, documentation: str, value: float | None = None, labels: list[str] | None = None,
           samples: dict | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, value=value if labels is None else None, labels=labels)
    for key, sample in (samples or {}).items():
        family.add_metric(list(key) if isinstance(key, tuple) else [key], sample)
    return family


def outbox_metrics(now):
    row = OutboxTask.objects.filter(sent_at__isnull=True).aggregate(n=Count("id"), oldest=Min("created_at"))
    yield _gauge("portal_outbox_pending", "Tasks written to the outbox and not yet published to the broker.",
                 row["n"])
    age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    yield _gauge("portal_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox task (0: none).",
                 age)


def escalation_metrics(now):
    run = EscalationRun.objects.filter(dry_run=False).order_by("-id").first()
    if run is None:
        return
    chunks = run.chunks.aggregate(finished=Count("id", filter=Q(finished_at__isnull=False)), last=Max("finished_at"))
    summary = PassSummary()
    for data in run.chunks.filter(finished_at__isnull=False).values_list("summary", flat=True):
        summary.add(PassSummary.from_dict(data))
    done = chunks["finished"] >= run.chunks_total
    yield _gauge("portal_escalation_last_run_started_timestamp_seconds", "When the newest escalation pass started.",
                 run.started_at.timestamp())
    yield _gauge("portal_escalation_last_run_chunks", "Chunks of the newest escalation pass, by state.",
                 labels=["state"], samples={"finished": chunks["finished"],
                                            "pending": max(run.chunks_total - chunks["finished"], 0)})
    # Until every chunk is done, the pass has taken "so far": an alert on it fires while it is stuck.
    end = chunks["last"] if done and chunks["last"] else now
    yield _gauge("portal_escalation_last_run_duration_seconds",
                 "Run time of the newest escalation pass; while it is unfinished, the time so far.",
                 max((end - run.started_at).total_seconds(), 0.0))
    yield _gauge("portal_escalation_last_run_finished", "1 when every chunk of the newest pass finished.",
                 1.0 if done else 0.0)
    yield _gauge("portal_escalation_last_run_contacts_scheduled",
                 "Contacts the newest escalation pass scheduled, by channel.", labels=["channel"],
                 samples=dict(summary.scheduled))
    yield _gauge("portal_escalation_last_run_held_back",
                 "Contacts the governor refused in the newest escalation pass, by rule.", labels=["rule"],
                 samples=dict(summary.held_back))
    yield _gauge("portal_escalation_last_run_placed", "Cases the newest escalation pass placed with outside agencies.",
                 float(sum(summary.placed.values())))
    yield _gauge("portal_escalation_last_run_kept_in_house",
                 "Cases the policy chose for an agency that no agency could take in the newest pass, by reason.",
                 labels=["reason"], samples=dict(summary.kept_in_house))


def open_case_metrics(now):
    rows = OpenCaseTotal.objects.values("stage").annotate(cases=Sum("cases")).order_by("stage")
    yield _gauge("portal_open_cases", "Open cases per stage, from the dashboards' latest totals.", labels=["stage"],
                 samples={row["stage"]: row["cases"] for row in rows})
    refreshed = OpenCaseTotal.objects.aggregate(at=Max("refreshed_at"))["at"]
    if refreshed:
        yield _gauge("portal_open_cases_refreshed_timestamp_seconds", "When those totals were refreshed.",
                     refreshed.timestamp())


def complaint_metrics(now):
    late = Complaint.objects.filter(status=ComplaintStatus.OPEN, sla_due_at__lt=now).count()
    yield _gauge("portal_complaints_past_sla", "Open complaints past the date their answer was due.", late)


def beat_metrics(now):
    beat = Heartbeat.objects.filter(name="beat").only("seen_at").first()
    if beat is not None:
        yield _gauge("portal_beat_heartbeat_age_seconds", "Seconds since beat's heartbeat task last ran on a worker.",
                     max((now - beat.seen_at).total_seconds(), 0.0))


def broker_queue_names() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


def broker_metrics(now):
    from celery import current_app as app

    lengths = {}
    with app.connection_for_read() as conn:
        if conn.transport.driver_type != "redis":
            return
        # kombu's client adds the transport's key prefix, when one is set, to every key it is given.
        client = conn.default_channel.client
        for name in broker_queue_names():
            lengths[name] = client.llen(name)
    yield _gauge("portal_broker_queue_length", "Messages waiting in each broker queue.", labels=["queue"],
                 samples=lengths)


SOURCES = {"outbox": outbox_metrics, "escalation": escalation_metrics, "open_cases": open_case_metrics,
           "complaints": complaint_metrics, "beat": beat_metrics, "broker": broker_metrics}


class DomainCollector(Collector):
    """Each source is read on its own: one that fails (the broker down, say) leaves the others, and says so
    in portal_scrape_source_up."""

    def collect(self):
        now = timezone.now()
        up = GaugeMetricFamily("portal_scrape_source_up", "1 when the source answered this scrape.", labels=["source"])
        took = GaugeMetricFamily("portal_scrape_source_seconds", "Time to read the source.", labels=["source"])
        for name, source in SOURCES.items():
            started = time.perf_counter()
            try:
                families = list(source(now))
            except Exception:  # noqa: BLE001 - a scrape reports a failing source rather than failing whole
                logger.warning("metrics: the %s source failed", name, exc_info=True)
                up.add_metric([name], 0)
            else:
                yield from families
                up.add_metric([name], 1)
            took.add_metric([name], time.perf_counter() - started)
        yield up
        yield took
