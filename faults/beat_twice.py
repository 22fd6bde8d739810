"""Beat started twice by mistake: every periodic task fires twice, and still nothing is scheduled or sent twice."""

import json
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from faults.support import celery, django_setup, free_port, redis_server, report, stop, wait_for, worker

SMS_FILE = Path(tempfile.mkdtemp(prefix="faults-beat-")) / "sms.jsonl"
os.environ.update(SMS_BACKEND="file", SMS_FILE_PATH=str(SMS_FILE))
PORT = free_port()
django_setup(PORT)

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_celery_beat.models import IntervalSchedule, PeriodicTask  # noqa: E402

from contacts.models import ScheduledContact  # noqa: E402
from core.models import OutboxTask  # noqa: E402
from escalation.models import EscalationChunk, EscalationRun  # noqa: E402
from escalation.services import escalation_pass_run  # noqa: E402

# Cardholders in a time zone where it is daytime now, so that their SMS may go out during the run.
ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "America/Los_Angeles", "Pacific/Auckland"]
ZONE = next(zone for zone in ZONES if 9 <= timezone.now().astimezone(ZoneInfo(zone)).hour < 19)
BEAT_SECONDS = 30


def keys():
    return sorted(ScheduledContact.objects.values_list("idempotency_key", flat=True))


def main() -> None:
    from tests.escalation.helpers import case_at_dpd

    now = timezone.now()
    for dpd in (1, 3, 16, 20, 31, 40, 61, 70, 91, 120) * 5:
        case_at_dpd(dpd, as_of=now, zone=ZONE, email="")
    with transaction.atomic():
        escalation_pass_run(as_of=now)
        expected = keys()
        transaction.set_rollback(True)

    # Every few seconds instead of every 15 minutes, so that both beats fire each task several times.
    fast = IntervalSchedule.objects.get_or_create(every=5, period="seconds")[0]
    PeriodicTask.objects.filter(task__in=["escalation.pass", "contacts.send_due", "core.relay_outbox"]).update(
        interval=fast, enabled=True)
    PeriodicTask.objects.exclude(task__in=["escalation.pass", "contacts.send_due", "core.relay_outbox"]).update(
        enabled=False)

    scratch = Path(tempfile.mkdtemp(prefix="faults-beat-"))
    with redis_server(PORT):
        consumer = worker()
        beats = [celery("beat", "-l", "WARNING", "--pidfile", str(scratch / f"beat{i}.pid"),
                        "-s", str(scratch / f"beat{i}-schedule"), log=f"beat{i}") for i in (1, 2)]
        try:
            wait_for(lambda: False, seconds=BEAT_SECONDS)
        finally:
            for beat in beats:
                stop(beat)
        drained = wait_for(lambda: not OutboxTask.objects.filter(sent_at__isnull=True).exists()
                           and not EscalationChunk.objects.filter(finished_at__isnull=True).exists(), seconds=90)
        stop(consumer)

    sms = [json.loads(line) for line in SMS_FILE.read_text().splitlines()] if SMS_FILE.exists() else []
    references = [message["reference"] for message in sms]
    got = keys()
    runs = EscalationRun.objects.count()
    report({
        "both beats fired the pass": runs >= 2 * (BEAT_SECONDS // 5) - 4,
        "all queued work finished": drained,
        "no contact scheduled twice": got == sorted(set(got)) and got == expected,
        "SMS were sent": len(sms) > 0,
        "no SMS sent twice": len(references) == len(set(references)),
    }, passes=runs, contacts=len(got), contacts_expected=len(expected), sms_sent=len(sms),
        deliveries_queued=OutboxTask.objects.filter(task="contacts.deliver").count())


if __name__ == "__main__":
    main()
