"""Finding a case while a cardholder is on the line, over many cardholders.

Generates BENCH_SEARCH_CASES cardholders, each with one card and one open case (default 1,000,000). Names are
drawn from 10 surnames and 20 × 20 given-name characters (one in seven has a single one), so a three-character
name is shared by about one cardholder in 4,700, as common Chinese names are, and a two-character one by one
in 1,400. Then times `cases.search.cases_search` as a manager (who sees every case) answers it, the median
of several searches each: a three-character name (matched anywhere, through the trigram index), a
two-character name (matched whole, through the same index), the card's last four digits, and a phone
(through its keyed hash).
"""

import os
import statistics

from django.core.management import call_command
from django.db import connection

from bench.report import require_bench_database, timed

BENCH = "search"
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "小明红华伟芳军丽强静敏磊洋艳勇娜杰涛超霞"

GENERATE = """
INSERT INTO cases_customer (external_id, name, national_id, national_id_hash, phone, phone_hash, other_phones, email,
                            address, region, timezone, language, created_at, updated_at)
SELECT 'SBENCH-' || g,
       substr(%(surnames)s, 1 + g %% 10, 1) || substr(%(given)s, 1 + (g / 10) %% 20, 1)
           || CASE WHEN g %% 7 = 0 THEN '' ELSE substr(%(given)s, 1 + (g / 200) %% 20, 1) END,
       '', md5('id' || g), %(phone)s, md5('phone' || g), '', '', '', '上海', 'Asia/Shanghai', 'zh-hans', now(), now()
FROM generate_series(1, %(n)s) g;
INSERT INTO cases_account (account_number, customer_id, product, currency, credit_limit, created_at)
SELECT '6222' || lpad(c.id::text, 12, '0'), c.id, '', 'CNY', 50000, now() FROM cases_customer c;
INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue, fees_overdue,
                        penalty_overdue, overdue_since, priority, opened_at, stage_changed_at, updated_at)
SELECT a.id, 'contact', '', 'CNY', 5000, 10, 5, 1, current_date - 40, 0, now(), now(), now() FROM cases_account a;
ANALYZE cases_customer; ANALYZE cases_account; ANALYZE cases_case;
"""


def _prepare(n: int) -> None:
    from core.crypto import pii_encrypt

    require_bench_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_customer, cases_account, cases_case, cases_stagehistory, cases_casehold, "
                       "cases_payment, events_event, contacts_scheduledcontact, contacts_contactattempt, "
                       "visits_visit, visits_visithistory RESTART IDENTITY CASCADE")
        # One phone ciphertext for all: the results page decrypts it, as it would any cardholder's.
        cursor.execute(GENERATE, {"n": n, "surnames": SURNAMES, "given": GIVEN, "phone": pii_encrypt("13900000000")})


def _manager():
    from django.contrib.auth import get_user_model

    from staff.models import Role, StaffProfile

    user, _created = get_user_model().objects.get_or_create(username="bench-search-manager")
    StaffProfile.objects.get_or_create(user=user, defaults={"role": Role.MANAGER})
    return get_user_model().objects.select_related("profile").get(pk=user.pk)


def _median_ms(search, queries) -> tuple[float, int]:
    times, found = [], 0
    for query in queries:
        seconds, results = timed(lambda q=query: search(q))
        times.append(seconds * 1000)
        found = max(found, len(results))
    return statistics.median(times), found


def run(report) -> None:
    from cases.models import Customer
    from cases.search import SearchBy, cases_search
    from core.crypto import pii_hash

    n = int(os.environ.get("BENCH_SEARCH_CASES", "1000000"))
    _prepare(n)
    user = _manager()
    # A few cardholders get a real phone and its keyed hash, as the ingest would store them.
    phones = [f"139{i:08d}" for i in range(1, 11)]
    for pk, phone in zip(range(1, n + 1, max(1, n // 10)), phones, strict=False):
        Customer.objects.filter(pk=pk).update(phone_hash=pii_hash(phone))
    size = f"{n:,} cases"
    names = [SURNAMES[i % 10] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3) % 20] for i in range(9)]
    searches = [
        ("three-character name, matched anywhere", SearchBy.NAME, names),
        ("two-character name, matched whole", SearchBy.NAME, [name[:2] for name in names]),
        ("card's last four digits", SearchBy.LAST_FOUR, [f"{i * 1111 % 10000:04d}" for i in range(1, 10)]),
        ("phone, by keyed hash", SearchBy.PHONE, phones[:9]),
    ]
    for label, by, queries in searches:
        median, found = _median_ms(lambda q, by=by: cases_search(user=user, by=by, query=q), queries)
        report.add(benchmark=BENCH, name=f"case search by {label}, {size}", value=median, unit="ms",
                   better="lower", target="≤ 200 ms", met=median <= 200,
                   notes=f"median of {len(queries)} searches; up to {found} results shown")
