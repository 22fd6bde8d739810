"""/metrics: who may read it, the request, query and task figures, and one test per domain gauge."""

import datetime as dt
import ipaddress
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold
from complaints.models import Complaint
from contacts.callbacks import callback_schedule
from contacts.delivery import contact_deliver
from contacts.models import AttemptResult, Channel, ContactStatus, ScheduledContact
from contacts.services import ContactNotPermitted, contact_attempt_log, contact_exception_grant
from core.models import OutboxTask
from core.services import heartbeat_record
from dashboards.services import open_totals_refresh
from escalation.services import escalation_chunk_finish, escalation_pass_start
from tests.escalation.helpers import AS_OF, case_at_dpd
from tests.factories import CaseFactory
from tests.workers import wait_for

SH = ZoneInfo("Asia/Shanghai")
NIGHT = dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(body: str, name: str, **labels) -> float | None:
    """The sample `name` with exactly these labels (a subset is enough), or None."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


# --- Access ---------------------------------------------------------------------------------------------

@override_settings(METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.20.0.0/16")], METRICS_TOKEN="s3cret-token")
def test_metrics_answer_the_configured_network_or_the_token_and_no_one_else(client):
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", headers={"Authorization": "Bearer s3cret-token"}
                      ).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", headers={"Authorization": "Bearer s3cret-tokem"}
                      ).status_code == 403


@override_settings(METRICS_ALLOWED_NETWORKS=[], METRICS_TOKEN="")
def test_without_a_token_configured_an_empty_bearer_is_refused(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


# --- Requests and queries ---------------------------------------------------------------------------------

def test_requests_are_counted_by_route_and_status_with_their_latency_and_queries(client, agent):
    before = value(scrape(client), "portal_http_requests_total", view="healthz", status="200") or 0
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page/")
    body = scrape(client)
    assert value(body, "portal_http_requests_total", view="healthz", method="GET", status="200") == before + 3
    assert value(body, "portal_http_requests_total", view="unresolved", status="404") >= 1
    assert value(body, "portal_http_request_duration_seconds_count", view="healthz", status="200") >= 3
    # /healthz asks the database once per request (SELECT 1, then beat's heartbeat).
    assert value(body, "portal_http_request_db_queries_sum", view="healthz") >= 3


# --- Domain gauges ----------------------------------------------------------------------------------------

def test_the_outbox_backlog_and_the_age_of_its_oldest_row(client):
    assert value(scrape(client), "portal_outbox_pending") == 0
    old = OutboxTask.objects.create(task="core.heartbeat")
    OutboxTask.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=7))
    OutboxTask.objects.create(task="core.heartbeat")
    OutboxTask.objects.create(task="core.heartbeat", sent_at=timezone.now())  # published: not backlog
    body = scrape(client)
    assert value(body, "portal_outbox_pending") == 2
    assert 7 * 60 <= value(body, "portal_outbox_oldest_pending_age_seconds") < 8 * 60


def test_the_last_escalation_pass_when_how_long_and_what_it_scheduled_per_channel(client):
    case_at_dpd(5, email="a@example.cn")  # T1: an SMS and an email
    case_at_dpd(6)  # T1: an SMS
    # As beat's pass runs: recorded, then chunk by chunk (here, in this process).
    run = escalation_pass_start(as_of=AS_OF)
    assert value(scrape(client), "portal_escalation_last_run_finished") == 0
    for chunk in run.chunks.all():
        escalation_chunk_finish(chunk_id=chunk.pk)
    body = scrape(client)
    assert value(body, "portal_escalation_last_run_contacts_scheduled", channel="sms") == 2
    assert value(body, "portal_escalation_last_run_contacts_scheduled", channel="email") == 1
    assert value(body, "portal_escalation_last_run_finished") == 1
    assert value(body, "portal_escalation_last_run_chunks", state="pending") == 0
    assert 0 <= value(body, "portal_escalation_last_run_duration_seconds") < 60
    assert value(body, "portal_escalation_last_run_started_timestamp_seconds") >= timezone.now().timestamp() - 60


def test_deliveries_are_counted_per_channel_as_sent_retried_or_failed(client, settings):
    case = CaseFactory(stage=Stage.CONTACT)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.CONTACTS_MAX_DELIVERY_ATTEMPTS = 2
    case.account.customer.email = "x@example.cn"
    case.account.customer.save()
    morning = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    email = ScheduledContact.objects.create(case=case, channel=Channel.EMAIL, due_at=morning, idempotency_key="m:1")
    before = {o: value(scrape(client), "portal_contact_deliveries_total", channel="email", outcome=o) or 0
              for o in ("retry", "failed")}

    assert contact_deliver(contact_id=email.pk, at=morning) == ContactStatus.SCHEDULED
    email.refresh_from_db()
    assert contact_deliver(contact_id=email.pk, at=email.due_at) == ContactStatus.FAILED

    body = scrape(client)
    assert value(body, "portal_contact_deliveries_total", channel="email", outcome="retry") == before["retry"] + 1
    assert value(body, "portal_contact_deliveries_total", channel="email", outcome="failed") == before["failed"] + 1


def test_open_cases_per_stage_come_from_the_refreshed_totals_not_a_count(client):
    CaseFactory(stage=Stage.CONTACT)
    CaseFactory(stage=Stage.CONTACT)
    CaseFactory(stage=Stage.NEGOTIATE)
    open_totals_refresh()
    CaseFactory(stage=Stage.CONTACT)  # not in the totals until the next refresh
    body = scrape(client)
    assert value(body, "portal_open_cases", stage="contact") == 2
    assert value(body, "portal_open_cases", stage="negotiate") == 1
    assert value(body, "portal_open_cases_refreshed_timestamp_seconds") > 0


def test_complaints_past_their_sla(client):
    now = timezone.now()
    for due, status in ((now - dt.timedelta(days=1), "open"), (now - dt.timedelta(hours=1), "open"),
                        (now + dt.timedelta(days=3), "open"), (now - dt.timedelta(days=2), "resolved")):
        case = CaseFactory()
        hold = CaseHold.objects.create(case=case, kind=HoldKind.COMPLAINT, reason="complaint", placed_by_label="agent")
        Complaint.objects.create(case=case, kind="complaint", channel="phone", category="conduct", description="x",
                                 received_at=now - dt.timedelta(days=20), sla_due_at=due, status=status, hold=hold,
                                 opened_by_label="agent", **({"resolution": "Apologised", "resolved_at": now}
                                                             if status == "resolved" else {}))
    assert value(scrape(client), "portal_complaints_past_sla") == 2


def test_governor_refusals_overrides_and_recorded_breaches_per_rule(client, team, agent, supervisor):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    body = scrape(client)
    before = {name: value(body, name, rule="hours") or 0 for name in (
        "portal_governor_refusals_total", "portal_governor_overrides_total", "portal_governor_breaches_total")}

    # A callback at night is refused before it happens.
    with time_machine.travel(NIGHT - dt.timedelta(hours=12), tick=False), pytest.raises(ContactNotPermitted):
        callback_schedule(case=case, actor=agent, due_at=NIGHT, note="")
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=NIGHT, now=NIGHT)
    contact_exception_grant(case=case, actor=supervisor, reason="Cardholder asked to be called after work.",
                            valid_from=NIGHT - dt.timedelta(minutes=5), now=NIGHT)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.RIGHT_PARTY,
                        delinquency_reason="lost_income", occurred_at=NIGHT, now=NIGHT)

    body = scrape(client)
    assert value(body, "portal_governor_refusals_total", rule="hours") == before["portal_governor_refusals_total"] + 1
    assert value(body, "portal_governor_overrides_total", rule="hours") == before["portal_governor_overrides_total"] + 1
    assert value(body, "portal_governor_breaches_total", rule="hours") == before["portal_governor_breaches_total"] + 1


def test_seconds_since_beats_last_heartbeat(client):
    assert value(scrape(client), "portal_beat_heartbeat_age_seconds") is None  # never seen: no figure
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=12), tick=False):
        heartbeat_record(name="beat", worker="w1")
    assert 12 * 60 <= value(scrape(client), "portal_beat_heartbeat_age_seconds") < 13 * 60


def test_broker_queue_lengths(client):
    from collections_portal.celery import app

    app.control.purge()
    app.send_task("core.heartbeat", kwargs={"name": "queued-only"})
    app.send_task("core.heartbeat", kwargs={"name": "queued-only"})
    try:
        body = scrape(client)
        assert value(body, "portal_broker_queue_length", queue=app.conf.task_default_queue) == 2
        assert value(body, "portal_scrape_source_up", source="broker") == 1
    finally:
        app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_celery_tasks_are_counted_by_task_and_outcome_with_their_run_time(client, worker):
    from core.models import Heartbeat
    from core.tasks import heartbeat

    before = value(scrape(client), "portal_celery_tasks_total", task="core.heartbeat", outcome="succeeded") or 0
    heartbeat.delay("metrics-test")
    assert wait_for(lambda: Heartbeat.objects.filter(name="metrics-test").exists())
    assert wait_for(lambda: (value(scrape(client), "portal_celery_tasks_total", task="core.heartbeat",
                                   outcome="succeeded") or 0) == before + 1, 10)
    assert value(scrape(client), "portal_celery_task_duration_seconds_count", task="core.heartbeat") >= 1
