"""Sixty days of a few hundred cases: daily passes, agents working their call tasks, payments, promises
kept and broken, reviews decided. It ends with every case in a legal state and every rule intact."""

import datetime as dt
import random
from contextlib import suppress
from decimal import Decimal

import pytest

from cases.errors import HoldError
from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import Case
from cases.services import case_hold_place, case_transition
from contacts.governor import governor_check
from contacts.models import AttemptResult, Channel, ContactStatus, ScheduledContact
from contacts.services import contact_attempt_log
from core.actors import SYSTEM
from escalation.review import legal_review_accept, legal_review_decline
from escalation.services import escalation_pass_run
from repayment_plans.promises import promise_take, promises_evaluate
from tests.escalation import invariants
from tests.escalation.helpers import SH, case_at_dpd

START = dt.datetime(2026, 10, 1, 9, 30, tzinfo=SH)
RESULTS = [AttemptResult.NO_ANSWER] * 5 + [AttemptResult.LEFT_MESSAGE, AttemptResult.RIGHT_PARTY,
                                           AttemptResult.PROMISE, AttemptResult.REFUSED, AttemptResult.WRONG_NUMBER]


def _case(case_id):
    return Case.objects.select_related("account").get(pk=case_id)


@pytest.mark.django_db
def test_sixty_days_end_with_every_case_legal_and_every_rule_intact(team, agent, supervisor):
    rng = random.Random(20261001)
    cases = [case_at_dpd(rng.randint(0, 95), as_of=START, assigned_team=team,
                         zone="America/New_York" if i % 5 == 0 else "Asia/Shanghai",
                         total=Decimal(rng.choice(["900.00", "12000.00", "65000.00"])))
             for i in range(200)]
    promised: dict[int, dt.date] = {}
    for day in range(60):
        morning = START + dt.timedelta(days=day)
        escalation_pass_run(as_of=morning)
        # Agents work up to 40 due call tasks in the afternoon; the governor may refuse some.
        afternoon = morning + dt.timedelta(hours=5)
        due = list(ScheduledContact.objects.filter(channel=Channel.CALL, status=ContactStatus.SCHEDULED,
                                                   due_at__lte=afternoon).order_by("due_at")[:40])
        for task in due:
            case = _case(task.case_id)
            result = rng.choice(RESULTS)
            when = afternoon + dt.timedelta(minutes=rng.randint(0, 120))
            number = case.account.customer.phone
            # An agent calls only when the panel says a call is allowed.
            if governor_check(case=case, channel=Channel.CALL, at=when, number=number).allowed:
                contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=result, occurred_at=when,
                                    now=when, scheduled_contact=task, number=number, delinquency_reason="forgot")
                if result == AttemptResult.PROMISE and case.stage == Stage.CONTACT:
                    promise_take(case=case, amount=Decimal("100.00"), due_date=afternoon.date() + dt.timedelta(days=5),
                                 channel="call", actor=agent, at=afternoon)
                    promised[case.pk] = afternoon.date() + dt.timedelta(days=5)
        # Promises fall due: some are kept (paid in full, cured); the others break once their grace runs out.
        for case_id, due_date in list(promised.items()):
            if due_date <= morning.date():
                case = _case(case_id)
                del promised[case_id]
                if case.stage == Stage.FOLLOW_UP and rng.random() < 0.4:
                    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM,
                                    reason="Promise kept.", at=morning)
        promises_evaluate(at=morning)
        # Payments in full, complaints, and the supervisor deciding reviews.
        open_ids = sorted(Case.objects.exclude(stage__in=(Stage.CLOSED, Stage.LEGAL)).values_list("pk", flat=True))
        for case_id in rng.sample(open_ids, min(3, len(open_ids))):
            case_transition(case=_case(case_id), to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM,
                            reason="Paid.", at=morning)
        if day % 10 == 5:
            case = _case(rng.choice(sorted(Case.objects.exclude(stage=Stage.CLOSED).values_list("pk", flat=True))))
            with suppress(HoldError):
                case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=SYSTEM, reason="Complaint.", at=morning)
        for review in ScheduledContact.objects.filter(channel=Channel.LEGAL_REVIEW, status=ContactStatus.SCHEDULED,
                                                      case__stage__in=(Stage.CONTACT, Stage.NEGOTIATE,
                                                                       Stage.FOLLOW_UP)).order_by("id"):
            decide = legal_review_accept if rng.random() < 0.5 else legal_review_decline
            decide(contact=review, actor=supervisor, reason="Reviewed the file.")

    escalation_pass_run(as_of=START + dt.timedelta(days=60))
    invariants.every_case_in_a_legal_state()
    invariants.all_governor_invariants()
    invariants.calls_in_any_seven_days_at_most(limit=7)
    invariants.nothing_pending_for_closed_or_held_cases()
    assert Case.objects.filter(stage=Stage.CLOSED).count() > 0
    assert Case.objects.filter(stage=Stage.LEGAL).count() > 0
    assert ScheduledContact.objects.filter(status=ContactStatus.DONE, channel=Channel.CALL).count() > 100
    assert len(cases) == 200
