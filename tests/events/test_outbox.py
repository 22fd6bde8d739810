import pytest
from django.utils import timezone

from cases.errors import TransitionNotAllowed
from cases.lifecycle import Outcome, Stage
from cases.services import case_open, case_transition
from core.actors import SYSTEM
from events.models import Event
from events.services import event_emit
from tests.factories import AccountFactory, CaseFactory

pytestmark = pytest.mark.django_db


def test_opening_and_moving_a_case_append_events_in_order():
    case = case_open(account=AccountFactory(account_number="6222000011112222"), overdue_since=timezone.localdate(),
                     amounts={}, actor=SYSTEM, reason="reported")
    case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="first contact")
    case_transition(case=case, to=Stage.LEGAL, actor=SYSTEM, reason="review")
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.SETTLED, actor=SYSTEM, reason="judgment paid")

    events = list(Event.objects.filter(case=case).order_by("id").values_list("type", flat=True))
    assert events == ["case.opened", "case.stage_changed", "case.stage_changed", "case.legal_referral",
                      "account.measure_requested", "case.stage_changed", "case.closed"]
    closed = Event.objects.filter(case=case, type="case.closed").get()
    assert closed.payload == {"outcome": "settled"} and closed.account_number == "6222000011112222"


def test_a_refused_transition_emits_nothing():
    case = CaseFactory(stage=Stage.CONFIRM)
    with pytest.raises(TransitionNotAllowed):
        case_transition(case=case, to=Stage.FOLLOW_UP, actor=SYSTEM, reason="skip ahead")
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_events_are_only_written_inside_the_changes_transaction():
    case = CaseFactory()
    with pytest.raises(RuntimeError, match="transaction"):
        event_emit(type="case.opened", case=case)
    assert not Event.objects.exists()
