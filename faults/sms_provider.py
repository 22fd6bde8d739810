"""An SMS provider that times out or answers 500: retries with backoff, the pass goes on, the case page shows it."""

import datetime as dt
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from faults.support import django_setup, free_port, report

PROVIDER_PORT = free_port()
os.environ.update(SMS_BACKEND="http", SMS_HTTP_URL=f"http://127.0.0.1:{PROVIDER_PORT}/sms", SMS_HTTP_TOKEN="faults",
                  SMS_HTTP_TIMEOUT="1")
django_setup(free_port())

import time_machine  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from contacts.delivery import contact_deliver, contacts_due_for_delivery  # noqa: E402
from contacts.models import Channel, ContactStatus, ScheduledContact  # noqa: E402
from faults.data import cases_at_dpds  # noqa: E402
from staff.models import Role  # noqa: E402
from tests.escalation.helpers import AS_OF  # noqa: E402
from tests.factories import staff_user  # noqa: E402

# How the provider treats each phone number: "ok", "timeout" (sleeps past the client's timeout) or "500".
BEHAVIOUR: dict[str, str] = {}
RECEIVED: list[str] = []


class Provider(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mode = BEHAVIOUR.get(body["to"], "ok")
        if mode == "timeout":
            time.sleep(2)
        if mode == "500":
            self.send_response(500)
            self.end_headers()
            return
        RECEIVED.append(body["reference"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": body["reference"]}).encode())

    def log_message(self, *args):
        pass


def deliver_due(at: dt.datetime) -> float:
    started = time.monotonic()
    with time_machine.travel(at, tick=False):
        for contact_id in contacts_due_for_delivery(at=at):
            contact_deliver(contact_id=contact_id, at=at)
    return time.monotonic() - started


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", PROVIDER_PORT), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cases = cases_at_dpds([3] * 12, as_of=AS_OF)
    modes = ["timeout", "500", "ok", "ok"] * 3
    for case, mode in zip(cases, modes, strict=True):
        BEHAVIOUR[case.account.customer.phone] = mode
        ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=AS_OF, rule="T1",
                                        idempotency_key=f"faults:{case.pk}:sms")
    failing = [case.pk for case, mode in zip(cases, modes, strict=True) if mode != "ok"]

    first_round = deliver_due(AS_OF)
    after_first = {c.case_id: c for c in ScheduledContact.objects.all()}
    sent_first = sum(c.status == ContactStatus.SENT for c in after_first.values())
    retry_in = {round((after_first[pk].due_at - AS_OF).total_seconds() / 60) for pk in failing}

    manager = staff_user(Role.MANAGER, None)
    browser = Client()
    browser.force_login(manager)
    page = browser.get(reverse("cases:detail", args=[failing[0]])).content.decode()

    second_at = AS_OF + dt.timedelta(minutes=2)
    deliver_due(second_at)
    backoff = {round((c.due_at - second_at).total_seconds() / 60)
               for c in ScheduledContact.objects.filter(case_id__in=failing)}

    BEHAVIOUR.clear()  # the provider recovers
    deliver_due(AS_OF + dt.timedelta(minutes=7))
    server.shutdown()
    final = ScheduledContact.objects.all()
    report({
        "healthy messages sent in the same pass as the failing ones": sent_first == len(cases) - len(failing),
        "the pass took about one timeout per failing message, no more": first_round < 2 + 1.5 * len(failing),
        "failures retried after 2 then 4 minutes": retry_in == {2} and backoff == {4},
        "the failure shows on the case page": 'id="delivery-problems"' in page
        and ("provider answered" in page or "timed out" in page),
        "all sent once the provider recovered": all(c.status == ContactStatus.SENT for c in final),
        # A timed-out request may still reach the provider; the retry carries the same reference (the
        # contact's idempotency key), so the provider can drop the copy. Nothing else is sent twice.
        "every message reached the provider under one reference":
            len(set(RECEIVED)) == len(cases) and len(RECEIVED) - len(set(RECEIVED)) <= modes.count("timeout") * 2,
    }, first_round_seconds=round(first_round, 2), failing=len(failing), received=len(RECEIVED))


if __name__ == "__main__":
    main()
