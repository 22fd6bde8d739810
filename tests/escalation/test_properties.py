"""Over any sequence of passes, call outcomes and payments: at most 7 calls in 7 days, no contact outside
hours, no duplicate contact."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.lifecycle import Outcome, Stage
from cases.models import Case
from cases.services import case_transition
from contacts.governor import governor_check
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
from core.actors import SYSTEM
from escalation.services import escalation_pass_run
from tests.escalation import invariants
from tests.escalation.helpers import AS_OF, case_at_dpd

START = AS_OF.replace(hour=0)
ZONES = ("Asia/Shanghai", "America/New_York")

operation = st.one_of(
    st.tuples(st.just("pass"), st.integers(0, 30)),
    st.tuples(st.just("call"), st.integers(0, 30), st.integers(0, 3), st.sampled_from(AttemptResult.values)),
    st.tuples(st.just("pay"), st.integers(0, 30), st.integers(0, 3)),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dpds=st.lists(st.integers(1, 100), min_size=4, max_size=4), large=st.lists(st.booleans(), min_size=4,
                                                                                    max_size=4),
       operations=st.lists(operation, max_size=40))
def test_the_contact_rules_hold_over_any_sequence(agent, dpds, large, operations):
    with transaction.atomic():
        cases = [case_at_dpd(dpd, as_of=START, zone=ZONES[i % 2],
                             total=Decimal("60000.00") if big else Decimal("800.00"))
                 for i, (dpd, big) in enumerate(zip(dpds, large, strict=True))]
        now = START
        for op in operations:
            now += dt.timedelta(hours=op[1])
            if op[0] == "pass":
                escalation_pass_run(as_of=now)
            elif op[0] == "call":
                case = Case.objects.get(pk=cases[op[2]].pk)
                if governor_check(case=case, channel=Channel.CALL, at=now).allowed:
                    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=op[3], occurred_at=now,
                                        now=now, delinquency_reason="forgot")
            else:
                case = Case.objects.get(pk=cases[op[2]].pk)
                if case.stage != Stage.CLOSED:
                    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM,
                                    reason="Paid in full.", at=now)
        escalation_pass_run(as_of=now + dt.timedelta(minutes=15))
        invariants.all_governor_invariants()
        invariants.nothing_pending_for_closed_or_held_cases()
        transaction.set_rollback(True)
