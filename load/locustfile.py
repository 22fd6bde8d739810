"""50 agents working queues and case pages while the core system pushes batches and reads events.

Run by `python -m load` (make load), which starts the portal, runs this headless for a bounded time and
checks the books afterwards. Every payment the core system sent with a 200 and every event id read from
the feed is written to LOAD_LEDGER when the run stops.
"""

import datetime as dt
import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-pass-2026")
TOKEN = os.environ.get("LOAD_TOKEN", "")
LEDGER = os.environ.get("LOAD_LEDGER", "bench/results/load-ledger.json")
# A bound on requests as well as on time: each simulated user stops after this many tasks.
MAX_TASKS = int(os.environ.get("LOAD_MAX_TASKS", "400"))
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

agent_numbers = itertools.count()
batch_numbers = itertools.count()
sent_payments: list[str] = []
feed_ids: list[int] = []
accounts: list[str] = []


class Agent(HttpUser):
    weight = 50
    wait_time = between(0.5, 2)
    done = 0

    def on_start(self):
        self.username = f"load{next(agent_numbers) % int(os.environ.get('LOAD_AGENTS', '50')):02d}"
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text).group(1)
        self.client.post("/accounts/login/", {"username": self.username, "password": PASSWORD,
                                              "csrfmiddlewaretoken": token}, name="login")
        self.case_ids: list[str] = []

    def _bound(self):
        self.done += 1
        if self.done > MAX_TASKS:
            raise StopUser

    @task(3)
    def queue(self):
        self._bound()
        page = self.client.get("/cases/queue/", name="agent: queue")
        self.case_ids = CASE_LINK.findall(page.text) or self.case_ids

    @task(4)
    def case_page(self):
        self._bound()
        if self.case_ids:
            self.client.get(f"/cases/{random.choice(self.case_ids)}/", name="agent: case page")

    @task(2)
    def log_outcome(self):
        self._bound()
        if not self.case_ids:
            return
        case_id = random.choice(self.case_ids)
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(f"/contacts/case/{case_id}/attempts/",
                         {"channel": "call", "number": "primary", "result": "no_answer", "notes": "load",
                          "csrfmiddlewaretoken": token},
                         headers={"HX-Request": "true", "X-CSRFToken": token, "Referer": self.host + "/"},
                         name="agent: log outcome")


class CoreSystem(HttpUser):
    fixed_count = 2
    wait_time = between(0.5, 1.5)
    done = 0

    ledger_owner = None

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"
        self.after = 0
        if CoreSystem.ledger_owner is None:
            CoreSystem.ledger_owner = self

    def _bound(self):
        self.done += 1
        if self.done > MAX_TASKS:
            raise StopUser

    @task(2)
    def push_accounts(self):
        self._bound()
        now = dt.datetime.now(dt.UTC)
        batch = next(batch_numbers)
        numbers = [f"6277{batch:06d}{i:06d}" for i in range(50)]
        items = [{"account_number": n, "currency": "CNY", "principal_overdue": "1000.00", "interest_overdue": "10.00",
                  "fees_overdue": "0.00", "penalty_overdue": "0.00",
                  "overdue_since": (now.date() - dt.timedelta(days=random.randint(1, 120))).isoformat(),
                  "as_of": now.isoformat(),
                  "customer": {"external_id": f"L-{n}", "name": "负载 测试", "national_id": f"1101011980{n[-8:]}",
                               "phone": f"+86139{n[-8:]}"}} for n in numbers]
        with self.client.post("/api/v1/accounts/batch", json={"items": items}, name="api: accounts batch",
                              catch_response=True) as response:
            if response.status_code == 200:
                accounts.extend(numbers)
                response.success()

    @task(2)
    def push_payments(self):
        self._bound()
        if not accounts:
            return
        now = dt.datetime.now(dt.UTC)
        batch = next(batch_numbers)
        items = [{"transaction_id": f"LTX-{batch}-{i}", "account_number": random.choice(accounts), "amount": "1.00",
                  "currency": "CNY", "paid_at": (now - dt.timedelta(minutes=1)).isoformat()} for i in range(50)]
        response = self.client.post("/api/v1/payments/batch", json={"items": items}, name="api: payments batch")
        if response.status_code == 200:
            sent_payments.extend(item["transaction_id"] for item in items)

    @task(3)
    def read_events(self):
        self._bound()
        self._read_page()

    def _read_page(self) -> int:
        response = self.client.get("/api/v1/events/", params={"after": self.after, "limit": 500},
                                   name="api: events feed")
        if response.status_code != 200:
            return 0
        page = response.json()
        # The first core-system user keeps the ledger of the feed; the other one reads for load.
        if self is CoreSystem.ledger_owner:
            feed_ids.extend(event["id"] for event in page["results"])
        self.after = page["next_after"]
        return len(page["results"])


@events.test_stop.add_listener
def _write_ledger(environment, **kwargs):
    with open(LEDGER, "w") as handle:
        owner = CoreSystem.ledger_owner
        json.dump({"payments": sent_payments, "accounts": len(accounts), "feed_ids": feed_ids,
                   "feed_after": owner.after if owner else 0}, handle)
