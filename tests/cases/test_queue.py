import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.lifecycle import HoldKind, Stage
from cases.models import Case
from cases.queue import _REASONS, QueueReason, queue_claim_next, queue_counts, queue_for_agent, queue_reason_register
from cases.services import case_hold_place
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def overdue(days: int, amount: str, **kwargs) -> Case:
    return CaseFactory(overdue_since=dt.date(2026, 6, 15) - dt.timedelta(days=days),
                       principal_overdue=Decimal(amount), interest_overdue=Decimal("0"), fees_overdue=Decimal("0"),
                       penalty_overdue=Decimal("0"), **kwargs)


def test_new_cases_come_first_then_the_rest_by_dpd_times_amount(agent, team):
    small_old = overdue(100, "1000", assigned_team=team, stage=Stage.CONTACT)  # 100,000
    big_young = overdue(10, "50000", assigned_team=team, stage=Stage.CONTACT)  # 500,000
    new = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)

    assert list(queue_for_agent(user=agent, as_of=NOW)) == [new, big_young, small_old]


def test_a_reason_registered_by_another_capability_ranks_above_new_cases(agent, team, monkeypatch):
    monkeypatch.setitem(_REASONS, "vip", QueueReason(code="vip", label="VIP", rank=5,
                                                     condition=lambda end_of_day: Q(priority__gte=5)))
    new = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    vip = overdue(40, "10", assigned_team=team, stage=Stage.CONTACT, priority=5)

    queue = queue_for_agent(user=agent, as_of=NOW)
    assert list(queue) == [vip, new]
    counts = queue_counts(queue=queue)
    assert (counts["vip"], counts["new"], counts["other"], counts["total"]) == (1, 1, 0, 2)
    assert list(queue_for_agent(user=agent, as_of=NOW, due_only=True)) == [vip, new]


def test_the_queue_leaves_out_held_closed_foreign_and_others_cases(agent, other_agent, team, other_team):
    mine = overdue(20, "100", assigned_team=team, stage=Stage.CONTACT)
    overdue(20, "100", assigned_team=team, stage=Stage.CONTACT, assigned_agent=other_agent)
    overdue(20, "100", assigned_team=other_team, stage=Stage.CONTACT)
    held = overdue(20, "100", assigned_team=team, stage=Stage.CONTACT)
    case_hold_place(case=held, kind=HoldKind.DISPUTE, actor=agent, reason="disputed")

    assert list(queue_for_agent(user=agent, as_of=NOW)) == [mine]


def test_the_queue_filters_by_bucket_and_stage(agent, team):
    m1 = overdue(20, "100", assigned_team=team, stage=Stage.CONTACT)
    m2 = overdue(40, "100", assigned_team=team, stage=Stage.NEGOTIATE)
    assert list(queue_for_agent(user=agent, as_of=NOW, bucket="M2")) == [m2]
    assert list(queue_for_agent(user=agent, as_of=NOW, stage=Stage.CONTACT)) == [m1]


def test_next_case_claims_the_first_item_and_hides_it_from_colleagues(agent, team):
    from tests.factories import staff_user

    colleague = staff_user("agent", team, user__username="colleague")
    first = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    second = overdue(30, "10", assigned_team=team, stage=Stage.CONTACT)

    assert queue_claim_next(user=agent, as_of=NOW) == first
    assert list(queue_for_agent(user=colleague, as_of=NOW)) == [second]
    assert queue_claim_next(user=colleague, as_of=NOW) == second
    assert queue_claim_next(user=colleague, as_of=NOW) == second  # their own claim is still theirs
    # The claim lapses after its time.
    assert queue_claim_next(user=colleague, as_of=NOW + dt.timedelta(hours=1)) == first


def test_an_empty_queue_claims_nothing(agent):
    assert queue_claim_next(user=agent, as_of=NOW) is None


@pytest.mark.django_db(transaction=True)
def test_two_agents_pressing_next_at_once_never_get_the_same_case(agent, team):
    from tests.factories import staff_user

    assert connection.vendor == "postgresql"
    colleague = staff_user("agent", team, user__username="colleague")
    cases = [overdue(days, "10", assigned_team=team, stage=Stage.CONTACT) for days in (10, 20, 30)]
    barrier = threading.Barrier(2)
    claimed = {}

    def press_next(user):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            claimed[user.username] = queue_claim_next(user=user, as_of=timezone.now())
        finally:
            connection.close()

    threads = [threading.Thread(target=press_next, args=(user,)) for user in (agent, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert set(claimed) == {"agent", "colleague"}
    assert claimed["agent"] != claimed["colleague"]
    assert {claimed["agent"], claimed["colleague"]} <= set(cases)


def test_the_queue_page_shows_counts_and_the_next_button_opens_the_claimed_case(client, agent, team):
    case = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    client.force_login(agent)
    page = client.get(reverse("cases:queue"))
    assert page.status_code == 200 and page.context["total"] == 1
    response = client.post(reverse("cases:queue-next"))
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.claimed_by == agent


def test_queue_reason_register_replaces_a_reason_of_the_same_code(monkeypatch):
    monkeypatch.setattr("cases.queue._REASONS", dict(_REASONS))
    queue_reason_register(QueueReason(code="new", label="Brand new", rank=50, condition=lambda e: Q()))
    from cases.queue import queue_reasons

    assert [r.label for r in queue_reasons() if r.code == "new"] == ["Brand new"]


def test_a_case_whose_contact_is_paused_is_neither_contact_due_nor_in_the_queue_until_its_promise_falls_due(
        agent, team):
    from contacts.models import Channel, ScheduledContact
    from repayment_plans.models import Promise

    paused = overdue(40, "900", assigned_team=team, stage=Stage.FOLLOW_UP)
    due = overdue(40, "10", assigned_team=team, stage=Stage.CONTACT)
    for case in (paused, due):  # call tasks left from before the pause
        ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=NOW, rule="T3.call",
                                        idempotency_key=f"{case.pk}:T3.call")
    Promise.objects.create(case=paused, amount=Decimal("10.00"), currency="CNY", channel="call",
                           due_date=dt.date(2026, 6, 18), taken_by_label="agent")
    assert [(c.pk, c.queue_rank) for c in queue_for_agent(user=agent, as_of=NOW)] == [(due.pk, 10)]
    later = NOW + dt.timedelta(days=3)
    assert {c.pk: c.queue_rank for c in queue_for_agent(user=agent, as_of=later)} == {due.pk: 10, paused.pk: 30}
    assert queue_counts(queue=queue_for_agent(user=agent, as_of=NOW))["contact_due"] == 1


def test_next_after_a_case_lets_go_of_it_and_hands_out_another(agent, team):
    first = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    second = overdue(30, "10", assigned_team=team, stage=Stage.CONTACT)
    assert queue_claim_next(user=agent, as_of=NOW) == first
    # The first case is still new, so still at the top of the queue; it is not handed back.
    assert queue_claim_next(user=agent, as_of=NOW, after=first) == second
    first.refresh_from_db()
    assert first.claimed_by is None and first.claimed_until is None
    assert queue_claim_next(user=agent, as_of=NOW, after=second) == first


def test_next_after_a_case_someone_else_holds_leaves_their_claim(agent, team):
    from tests.factories import staff_user

    colleague = staff_user("agent", team, user__username="colleague")
    theirs = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    assert queue_claim_next(user=colleague, as_of=timezone.now()) == theirs
    queue_claim_next(user=agent, after=theirs)
    theirs.refresh_from_db()
    assert theirs.claimed_by == colleague


def test_the_case_page_says_who_holds_the_claim_and_until_when(client, agent, team):
    from tests.factories import staff_user

    colleague = staff_user("agent", team, user__username="colleague")
    case = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.context["claim"] is None and 'id="case-claim">nobody<' in page.content.decode()
    claimed = queue_claim_next(user=colleague)
    until = timezone.localtime(claimed.claimed_until)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.context["claim"].holder == "colleague" and page.context["claim"].until == claimed.claimed_until
    shown = f"colleague · claimed until <time datetime=\"{until.isoformat()}\">{until:%H:%M}</time>"
    assert shown in page.content.decode()


def test_the_next_button_on_the_case_page_claims_the_next_case(client, agent, team):
    first = overdue(2, "10", assigned_team=team, stage=Stage.CONFIRM)
    second = overdue(30, "10", assigned_team=team, stage=Stage.CONTACT)
    client.force_login(agent)
    assert client.post(reverse("cases:queue-next"))["Location"] == reverse("cases:detail", args=[first.pk])
    response = client.post(reverse("cases:queue-next"), {"after": str(first.pk)})
    assert response["Location"] == reverse("cases:detail", args=[second.pk])
    assert client.post(reverse("cases:queue-next"), {"after": "9" * 40}).status_code == 302
