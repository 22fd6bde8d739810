"""Two connections sending batches for the same accounts at once, on PostgreSQL."""

import datetime as dt
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from cases.lifecycle import Stage
from cases.models import Case, Payment
from tests.api.conftest import AS_OF, account_item, payment_item, post_accounts, post_payments

pytestmark = pytest.mark.django_db(transaction=True)

NUMBERS = [f"6288{i:012d}" for i in range(60)]


def at_once(*calls):
    """Run each call on its own thread (and database connection), released together; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def statuses(responses):
    return [response.status_code for response in responses]


def test_two_batches_opening_the_same_accounts_open_one_case_each_and_keep_the_newest_snapshot(core_system):
    older = [account_item(n, principal="100.00", as_of=AS_OF) for n in NUMBERS]
    newer = [account_item(n, principal="200.00", as_of=AS_OF + dt.timedelta(hours=1)) for n in reversed(NUMBERS)]

    responses = at_once(lambda: post_accounts(core_system, *older), lambda: post_accounts(core_system, *newer))

    assert statuses(responses) == [200, 200]
    assert Case.objects.count() == len(NUMBERS)
    assert set(Case.objects.values_list("principal_overdue", flat=True)) == {Decimal("200.00")}
    assert Case.objects.exclude(stage=Stage.CONFIRM).count() == 0


def test_the_same_payments_sent_twice_at_once_are_applied_once(core_system):
    post_accounts(core_system, *[account_item(n) for n in NUMBERS])
    payments = [payment_item(f"TX-{n}", n, amount="25.00") for n in NUMBERS]

    responses = at_once(lambda: post_payments(core_system, *payments),
                        lambda: post_payments(core_system, *reversed(payments)))

    assert statuses(responses) == [200, 200]
    outcomes = sorted(row["result"] for response in responses for row in response.json()["results"])
    assert outcomes == ["applied"] * len(NUMBERS) + ["duplicate"] * len(NUMBERS)
    assert Payment.objects.count() == len(NUMBERS)
    # 1080.00 overdue, 25.00 paid once each.
    assert set(Case.objects.values_list("total_overdue", flat=True)) == {Decimal("1055.00")}


def test_snapshots_and_payments_for_the_same_accounts_at_once_lose_no_update(core_system):
    post_accounts(core_system, *[account_item(n) for n in NUMBERS])
    snapshot_at = AS_OF + dt.timedelta(days=1)
    snapshots = [account_item(n, principal="2000.00", as_of=snapshot_at) for n in NUMBERS]
    payments = [payment_item(f"TX-{n}", n, amount="40.00", paid_at=snapshot_at + dt.timedelta(hours=1))
                for n in NUMBERS]

    responses = at_once(lambda: post_accounts(core_system, *snapshots), lambda: post_payments(core_system, *payments))

    assert statuses(responses) == [200, 200]
    assert Payment.objects.aggregate(total=Sum("amount"))["total"] == Decimal("40.00") * len(NUMBERS)
    # Whichever came first, the snapshot (2080.00 overdue) less the later payment (40.00) remains.
    assert set(Case.objects.values_list("total_overdue", flat=True)) == {Decimal("2040.00")}


def test_one_transaction_id_sent_for_two_accounts_at_once_is_applied_to_one_only(core_system):
    post_accounts(core_system, *[account_item(n) for n in NUMBERS[:2]])
    first = [payment_item(f"TX-{i}", NUMBERS[0], amount="10.00") for i in range(40)]
    second = [payment_item(f"TX-{i}", NUMBERS[1], amount="10.00") for i in reversed(range(40))]

    responses = at_once(lambda: post_payments(core_system, *first), lambda: post_payments(core_system, *second))

    assert statuses(responses) == [200, 200]
    outcomes = [row["result"] for response in responses for row in response.json()["results"]]
    assert sorted(set(outcomes)) <= ["applied", "rejected"] and outcomes.count("applied") == 40
    assert Payment.objects.count() == 40
    assert Case.objects.aggregate(total=Sum("total_overdue"))["total"] == Decimal("1080.00") * 2 - Decimal("400.00")


def test_four_clients_mixing_snapshots_and_payments_in_any_order_all_get_answers(core_system):
    """No deadlock: every batch answers 200 however the items are ordered, and every payment counts once."""

    post_accounts(core_system, *[account_item(n) for n in NUMBERS])
    snapshot_at = AS_OF + dt.timedelta(days=1)
    shuffled = [random.Random(seed).sample(NUMBERS, len(NUMBERS)) for seed in range(4)]
    calls = [
        lambda: post_accounts(core_system, *[account_item(n, principal="3000.00", as_of=snapshot_at)
                                             for n in shuffled[0]]),
        lambda: post_accounts(core_system, *[account_item(n, principal="3000.00", as_of=snapshot_at)
                                             for n in shuffled[1]]),
        lambda: post_payments(core_system, *[payment_item(f"A-{n}", n, amount="10.00",
                                                          paid_at=snapshot_at + dt.timedelta(hours=1))
                                             for n in shuffled[2]]),
        lambda: post_payments(core_system, *[payment_item(f"B-{n}", n, amount="5.00",
                                                          paid_at=snapshot_at + dt.timedelta(hours=2))
                                             for n in shuffled[3]]),
    ]

    assert statuses(at_once(*calls)) == [200] * 4
    assert Payment.objects.count() == 2 * len(NUMBERS)
    assert set(Case.objects.values_list("total_overdue", flat=True)) == {Decimal("3065.00")}


def test_the_same_calls_sent_in_two_batches_at_once_are_recorded_once_without_a_server_error(team):
    from api.services import api_client_create
    from contacts.models import ContactAttempt
    from tests.api.conftest import bearer
    from tests.factories import CaseFactory

    dialer = bearer(api_client_create(name="dialer", scopes=["telephony"])[1])
    cases = [CaseFactory(stage=Stage.CONTACT, assigned_team=team) for _ in range(100)]
    started = (AS_OF + dt.timedelta(days=9)).isoformat()  # 17:00 in Shanghai, the day before the clock
    calls = [{"external_id": f"CALL-{case.pk}", "account_number": case.account.account_number,
              "direction": "outbound", "number": "+8613800138000", "started_at": started, "duration_seconds": 30,
              "result": "no_answer"} for case in cases]

    def send(items):
        return dialer.post("/api/v1/contact-attempts/batch", {"items": items}, format="json")

    responses = at_once(lambda: send(calls), lambda: send(list(reversed(calls))))

    assert statuses(responses) == [200, 200]
    outcomes = sorted(row["result"] for response in responses for row in response.json()["results"])
    assert outcomes == ["duplicate"] * len(calls) + ["recorded"] * len(calls)
    assert ContactAttempt.objects.count() == len(calls)


def test_two_batches_reversing_the_same_payments_at_once_reverse_each_payment_once(core_system):
    from django.utils import timezone

    numbers = NUMBERS[:20]
    post_accounts(core_system, *[account_item(n) for n in numbers])
    post_payments(core_system, *[payment_item(f"TX-{n}", n, amount="45.00") for n in numbers])
    bounced = timezone.now() - dt.timedelta(minutes=1)

    def reversals(prefix, order):
        return [payment_item(f"{prefix}-{n}", n, amount="45.00", paid_at=bounced, reverses=f"TX-{n}") for n in order]

    responses = at_once(lambda: post_payments(core_system, *reversals("RA", numbers)),
                        lambda: post_payments(core_system, *reversals("RB", list(reversed(numbers)))))

    assert statuses(responses) == [200, 200]
    results = [row["result"] for response in responses for row in response.json()["results"]]
    assert results.count("reversed") == len(numbers) and results.count("rejected") == len(numbers)
    assert Payment.objects.filter(reverses__isnull=False).count() == len(numbers)
    # What each payment paid off (fees 20, penalty 10, interest 15) is put back once.
    assert set(Case.objects.values_list("fees_overdue", "penalty_overdue", "interest_overdue")) == {
        (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"))}
