"""Redis stopped during ingest: the API still accepts and records; outbox work is delivered once it returns."""

import datetime as dt

from faults.support import RedisServer, django_setup, free_port, report, stop, wait_for, worker

PORT = free_port()
django_setup(PORT)

from django.utils import timezone  # noqa: E402

from cases.models import Account, Payment  # noqa: E402
from core.models import OutboxTask  # noqa: E402
from core.outbox import outbox_relay  # noqa: E402
from escalation.models import EscalationChunk  # noqa: E402
from escalation.services import escalation_pass_start  # noqa: E402
from faults.data import account_item, api_client, payment_item  # noqa: E402

ACCOUNTS = 200


def main() -> None:
    redis = RedisServer(PORT)
    redis.start()
    client = api_client()
    now = timezone.now()
    numbers = [f"62880000{i:08d}" for i in range(ACCOUNTS)]
    first = client.post("/api/v1/accounts/batch", {"items": [account_item(n, as_of=now) for n in numbers[:100]]},
                        format="json")

    redis.stop()  # the broker goes away in the middle of the core system's pushes
    during = [
        client.post("/api/v1/accounts/batch", {"items": [account_item(n, as_of=now) for n in numbers[100:]]},
                    format="json"),
        client.post("/api/v1/payments/batch", {"items": [
            payment_item(f"TX-R-{i}", n, paid_at=now - dt.timedelta(minutes=5)) for i, n in enumerate(numbers)]},
            format="json"),
    ]
    run = escalation_pass_start(chunk_size=25)  # periodic work queued while Redis is down
    pending_while_down = OutboxTask.objects.filter(sent_at__isnull=True).count()
    relayed_while_down = outbox_relay()

    redis.start()
    consumer = worker()
    try:
        relayed_after = outbox_relay()
        finished = wait_for(lambda: not EscalationChunk.objects.filter(run=run, finished_at__isnull=True).exists(),
                            seconds=120)
    finally:
        stop(consumer)
        redis.stop()
    report({
        "API accepted every batch while Redis was down": all(r.status_code == 200 for r in [first, *during]),
        "accounts and payments recorded": Account.objects.count() == ACCOUNTS
        and Payment.objects.filter(transaction_id__startswith="TX-R-").count() == ACCOUNTS,
        "outbox kept the pass's chunks while Redis was down": pending_while_down == run.chunks_total > 0
        and relayed_while_down == 0,
        "every chunk delivered and run once Redis returned": finished and relayed_after == run.chunks_total,
    }, statuses=[r.status_code for r in [first, *during]], chunks=run.chunks_total,
        pending_while_down=pending_while_down, relayed_after=relayed_after)


if __name__ == "__main__":
    main()
