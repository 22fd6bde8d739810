"""An agent's queue and the case page, server time, over BENCH_PAGES_CASES cases (default 1,000,000).

The cases are generated with a few set-based statements: one cardholder is created through the ORM (so
that its personal data is encrypted as in production) and copied row by row in SQL with new ids and
numbers. They are spread over 20 teams of 50 agents, 1,000 cases per agent, in every stage and
bucket. The pages are rendered in-process by Django's test client, so the time measured is the
server's: view, queries and template, without network. Baselines: the same page's main query run as
raw SQL, so the ratio is what the page costs beyond its query.
"""

import os
import random
import statistics
import time

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.report import require_bench_database

BENCH = "pages"
TEAMS = 20
AGENTS_PER_TEAM = 50
ROUNDS = 40

GENERATE = """
INSERT INTO cases_customer (external_id, name, national_id, national_id_hash, phone, phone_hash, other_phones,
                            email, address, region, timezone, language, created_at, updated_at)
SELECT 'PAGES-' || g, t.name, t.national_id, t.national_id_hash, t.phone, t.phone_hash, t.other_phones, t.email,
       t.address, t.region, t.timezone, t.language, now(), now()
FROM generate_series(1, %(n)s) g CROSS JOIN (SELECT * FROM cases_customer WHERE id = %(template)s) t;
INSERT INTO cases_account (account_number, customer_id, product, currency, credit_limit, created_at)
SELECT '6233' || lpad(c.id::text, 12, '0'), c.id, '', 'CNY', 50000, now()
FROM cases_customer c WHERE c.external_id LIKE 'PAGES-%%';
INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue, fees_overdue,
                        penalty_overdue, overdue_since, priority, opened_at, stage_changed_at, updated_at,
                        assigned_team_id, assigned_agent_id, closed_at)
SELECT a.id, s.stage, CASE WHEN s.stage = 'closed' THEN 'cured' ELSE '' END, 'CNY',
       1000 + a.id %% 9000, 10, 5, 1, current_date - (1 + (a.id * 7919) %% 200)::int, 0, now(), now(), now(),
       (%(teams)s)[1 + a.id %% %(team_count)s], (%(agents)s)[1 + a.id %% %(agent_count)s],
       CASE WHEN s.stage = 'closed' THEN now() END
FROM cases_account a
CROSS JOIN LATERAL (SELECT (ARRAY['confirm','plan','contact','contact','contact','negotiate','follow_up',
                                  'closed'])[1 + (a.id / 7) %% 8] AS stage) s
WHERE a.account_number LIKE '6233%%';
ANALYZE cases_customer; ANALYZE cases_account; ANALYZE cases_case;
"""


def _prepare(n: int) -> list:
    """Wipe the benchmark database's cases and generate `n`; returns the agents (users)."""
    from cases.models import Customer
    from staff.models import Role
    from staff.services import staff_create, team_create

    require_bench_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_customer, cases_account, cases_case, cases_stagehistory, cases_casehold, "
                       "cases_payment, events_event, contacts_scheduledcontact, contacts_contactattempt "
                       "RESTART IDENTITY CASCADE")
        cursor.execute("DELETE FROM staff_staffprofile WHERE user_id IN "
                       "(SELECT id FROM auth_user WHERE username LIKE 'pages-%%')")
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'pages-%%'")
        cursor.execute("DELETE FROM staff_team WHERE name LIKE 'Pages %%'")
    teams = [team_create(name=f"Pages {t:02d}", region="华东 East") for t in range(TEAMS)]
    agents = [staff_create(username=f"pages-{j:04d}", role=Role.AGENT, password="pages-bench-2026",
                           team=teams[j % TEAMS], validate=False) for j in range(TEAMS * AGENTS_PER_TEAM)]
    template = Customer.objects.create(external_id="PAGES-TEMPLATE", name="王芳", national_id="310101199001011234",
                                       phone="+8613800138000", email="wang.fang@example.com",
                                       address="上海市浦东新区世纪大道100号", region="华东 East")
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, {"n": n, "template": template.pk, "teams": [t.pk for t in teams],
                                  "team_count": TEAMS, "agents": [a.pk for a in agents], "agent_count": len(agents)})
    return agents


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _raw_ms(sql: str, params, rounds: int = ROUNDS) -> float:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            samples.append(time.perf_counter() - started)
    return _median_ms(samples)


def run(report) -> None:
    from cases.queue import queue_for_agent

    n = int(os.environ.get("BENCH_PAGES_CASES", "1000000"))
    print(f"   generating {n:,} cases", flush=True)
    started = time.perf_counter()
    agents = _prepare(n)
    print(f"   generated in {time.perf_counter() - started:.1f} s", flush=True)
    agent = agents[len(agents) // 3]
    client = Client()
    client.force_login(agent)
    queue_url = reverse("cases:queue")
    client.get(queue_url)  # warm the caches of templates and translations

    queue_samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(queue_url)
        queue_samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    queryset = queue_for_agent(user=agent)
    sql, params = queryset[:50].query.sql_with_params()
    queue_raw = _raw_ms(sql, params)

    case_ids = list(queue_for_agent(user=agent).values_list("id", flat=True)[:200])
    page_samples = []
    for _ in range(ROUNDS):
        case_id = random.choice(case_ids)
        started = time.perf_counter()
        response = client.get(reverse("cases:detail", args=[case_id]))
        page_samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    page_raw = _raw_ms(
        "SELECT * FROM cases_case c JOIN cases_account a ON a.id = c.account_id "
        "JOIN cases_customer cu ON cu.id = a.customer_id WHERE c.id = %s", [case_ids[0]])

    size = f"{n:,} cases"
    queue_ms, page_ms = _median_ms(queue_samples), _median_ms(page_samples)
    print(f"   queue {queue_ms:.1f} ms (raw {queue_raw:.1f} ms), case page {page_ms:.1f} ms (raw {page_raw:.1f} ms)",
          flush=True)
    report.add(benchmark=BENCH, name=f"agent queue, median server time, {size}", value=queue_ms, unit="ms",
               baseline_name="the queue's query as raw SQL", baseline_value=queue_raw, better="lower",
               target="< 150 ms at the median", met=queue_ms < 150,
               notes=f"p95 {statistics.quantiles(queue_samples, n=20)[-1] * 1000:.0f} ms over {ROUNDS} requests")
    report.add(benchmark=BENCH, name=f"case page, median server time, {size}", value=page_ms, unit="ms",
               baseline_name="the case's row as raw SQL", baseline_value=page_raw, better="lower",
               target="< 150 ms at the median", met=page_ms < 150,
               notes=f"p95 {statistics.quantiles(page_samples, n=20)[-1] * 1000:.0f} ms over {ROUNDS} requests")
