"""The scheduled promise evaluation over many promises whose grace period has run out, beside a
hand-written set-based SQL baseline.

Generates BENCH_NEGOTIATION_PROMISES cases in follow-up (default 100,000), each with a pending promise of
500.00 taken ten days before and due five days before the evaluation; half are paid in full inside the
window, a quarter in part, a quarter not at all. Both runs are rolled back, so each starts from the same
rows:
- the baseline: one UPDATE of the promises from an aggregate of the payments, and one UPDATE moving
  the cases of the missed ones back to contact (no history rows, no events);
- `promises_evaluate` as the hourly task runs it: the same, plus stage history, promise.kept /
  promise.broken and stage-change events.
"""

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, transaction

SH = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)
TAKEN = AS_OF - dt.timedelta(days=10)
BENCH = "negotiation"

GENERATE = """
INSERT INTO cases_customer (external_id, name, national_id, phone, other_phones, email, address, region, timezone,
                            language, created_at, updated_at)
SELECT 'NEG-' || g, '客户' || g, '110101199001011234', '138' || lpad(g::text, 8, '0'), '[]', '', '', '上海',
       'Asia/Shanghai', 'zh-hans', now(), now()
FROM generate_series(1, %(n)s) g;
INSERT INTO cases_account (account_number, customer_id, product, currency, credit_limit, created_at)
SELECT '6222' || lpad(c.id::text, 12, '0'), c.id, '', 'CNY', 50000, now() FROM cases_customer c;
INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue, fees_overdue,
                        penalty_overdue, overdue_since, priority, opened_at, stage_changed_at, updated_at)
SELECT a.id, 'follow_up', '', 'CNY', 5000, 10, 5, 1, %(as_of)s::date - 40, 0, now(), now(), now()
FROM cases_account a;
INSERT INTO repayment_plans_promise (case_id, amount, currency, due_date, channel, status, taken_by_label, taken_at,
                                     note, paid_amount)
SELECT c.id, 500, 'CNY', %(as_of)s::date - 5, 'call', 'pending', 'bench', %(taken)s, '', 0 FROM cases_case c;
INSERT INTO cases_payment (transaction_id, account_id, case_id, amount, currency, paid_at, received_at)
SELECT 'NEG-TX-' || c.id, c.account_id, c.id, CASE WHEN c.id %% 4 = 1 THEN 200 ELSE 500 END, 'CNY',
       %(taken)s + interval '2 days', now()
FROM cases_case c WHERE c.id %% 4 IN (0, 1, 2);
ANALYZE cases_customer; ANALYZE cases_account; ANALYZE cases_case; ANALYZE repayment_plans_promise;
ANALYZE cases_payment;
"""

BASELINE = """
WITH paid AS (
    SELECT p.id, p.case_id, p.amount, coalesce(sum(pay.amount), 0) AS money
    FROM repayment_plans_promise p
    LEFT JOIN cases_payment pay ON pay.case_id = p.case_id AND pay.paid_at >= p.taken_at
     AND pay.paid_at < ((p.due_date + 4)::timestamp AT TIME ZONE 'Asia/Shanghai')
    WHERE p.status = 'pending' GROUP BY p.id
), updated AS (
    UPDATE repayment_plans_promise p SET paid_amount = paid.money, evaluated_at = %(as_of)s,
        status = CASE WHEN paid.money >= paid.amount THEN 'kept' WHEN paid.money > 0 THEN 'partially_kept'
                      ELSE 'broken' END
    FROM paid WHERE p.id = paid.id RETURNING p.case_id, p.status
)
UPDATE cases_case c SET stage = 'contact', stage_changed_at = %(as_of)s FROM updated u
WHERE c.id = u.case_id AND u.status <> 'kept' AND c.stage = 'follow_up';
"""


def _timed_and_rolled_back(work) -> tuple[float, object]:
    with transaction.atomic():
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, result


def run(report) -> None:
    from repayment_plans.promises import promises_evaluate

    n = int(os.environ.get("BENCH_NEGOTIATION_PROMISES", "100000"))
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_customer, cases_account, cases_case, cases_stagehistory, cases_payment, "
                       "events_event, repayment_plans_promise RESTART IDENTITY CASCADE")
        cursor.execute(GENERATE, {"n": n, "as_of": AS_OF, "taken": TAKEN})

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE, {"as_of": AS_OF})
            return cursor.rowcount

    baseline_s, moved = _timed_and_rolled_back(baseline)
    pass_s, counts = _timed_and_rolled_back(lambda: promises_evaluate(at=AS_OF))
    size = f"{n:,} promises"
    print(f"baseline {baseline_s:.2f}s ({moved:,} cases back to contact); pass {pass_s:.2f}s {counts}")
    report.add(benchmark=BENCH, name=f"promise evaluation, {size} past their grace period", value=n / pass_s,
               unit="promises/s", baseline_name="hand-written set-based SQL (two statements)",
               baseline_value=n / baseline_s, better="higher",
               notes=f"{dict(counts)}; the pass also writes stage history and events")
