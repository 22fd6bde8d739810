"""Turning the contact policy's visit contacts into visit requests, over many cases at once.

Generates BENCH_VISITS_CASES open cases (default 200,000); every other one has a pending T3/T4 visit
contact, as the escalation pass leaves them. Then times `visits_from_escalation` over all of them (one
statement), the same pickup again with nothing new (what the five-minute schedule costs on a quiet
day), and a field agent's day of 40 stops put in route order.
"""

import os
import random
from decimal import Decimal

from django.core.management import call_command
from django.db import connection

from bench.report import require_bench_database, timed

BENCH = "visits"

GENERATE = """
INSERT INTO cases_customer (external_id, name, national_id, phone, other_phones, email, address, region, timezone,
                            language, created_at, updated_at)
SELECT 'VBENCH-' || g, '客户' || g, '110101199001011234', '138' || lpad(g::text, 8, '0'), '[]', '',
       '上海市徐汇区 ' || g || ' 号', CASE WHEN g %% 3 = 0 THEN '北京' ELSE '上海' END, 'Asia/Shanghai', 'zh-hans',
       now(), now()
FROM generate_series(1, %(n)s) g;
INSERT INTO cases_account (account_number, customer_id, product, currency, credit_limit, created_at)
SELECT '6222' || lpad(c.id::text, 12, '0'), c.id, '', 'CNY', 50000, now() FROM cases_customer c;
INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue, fees_overdue,
                        penalty_overdue, overdue_since, priority, opened_at, stage_changed_at, updated_at)
SELECT a.id, 'contact', '', 'CNY', 5000, 10, 5, 1, current_date - 70, 0, now(), now(), now() FROM cases_account a;
INSERT INTO contacts_scheduledcontact (case_id, channel, due_at, status, origin, idempotency_key, rule, strategy,
                                       trail, delivery_attempts, last_error, created_at, updated_at)
SELECT c.id, 'visit', now(), 'scheduled', 'policy', c.id || ':visit', CASE WHEN c.id %% 4 = 0 THEN 'T3.visit'
       ELSE 'T4.visit' END, 'champion', '[]', 0, '', now(), now()
FROM cases_case c WHERE c.id %% 2 = 0;
ANALYZE cases_customer; ANALYZE cases_account; ANALYZE cases_case; ANALYZE contacts_scheduledcontact;
"""


def _prepare(n: int) -> None:
    require_bench_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_customer, cases_account, cases_case, cases_stagehistory, cases_casehold, "
                       "cases_payment, events_event, contacts_scheduledcontact, contacts_contactattempt, "
                       "visits_visit, visits_visithistory RESTART IDENTITY CASCADE")
        cursor.execute(GENERATE, {"n": n})


def run(report) -> None:
    from visits.models import Visit
    from visits.selectors import visit_route_order
    from visits.services import visits_from_escalation

    n = int(os.environ.get("BENCH_VISITS_CASES", "200000"))
    _prepare(n)
    size = f"{n:,} cases"
    first_s, created = timed(lambda: visits_from_escalation(limit=n))
    noop_s, again = timed(lambda: visits_from_escalation(limit=n))
    report.add(benchmark=BENCH, name=f"policy visit contacts to requests, {size} ({created:,} visits)",
               value=created / first_s, unit="visits/s", notes=f"{first_s:.2f} s, one statement with history rows")
    report.add(benchmark=BENCH, name=f"pickup with nothing new, {size}", value=noop_s, unit="s", better="lower",
               target="≤ 2 s", met=noop_s <= 2, notes=f"{again} visits created")

    rng = random.Random(6)
    stops = [Visit(pk=i, latitude=Decimal(f"{31 + rng.random() / 5:.6f}"),
                   longitude=Decimal(f"{121.3 + rng.random() / 5:.6f}")) for i in range(40)]
    route_s, _route = timed(lambda: [visit_route_order(list(stops)) for _ in range(100)])
    report.add(benchmark=BENCH, name="route order, 40 stops", value=route_s / 100 * 1000, unit="ms", better="lower",
               target="≤ 50 ms", met=route_s / 100 <= 0.05)

