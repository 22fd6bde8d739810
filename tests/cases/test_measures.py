"""Card measures asked of the core system when a case enters legal or is written off: once per case."""

import pytest

from cases.lifecycle import Outcome, Stage
from cases.models import MeasureRequest
from cases.services import case_transition, cases_transition_bulk
from core.actors import SYSTEM
from events.models import Event, EventType
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def measure_events(case):
    return list(Event.objects.filter(case=case, type=EventType.ACCOUNT_MEASURE_REQUESTED).values_list(
        "payload", flat=True))


def test_entering_legal_asks_for_card_measures_once(supervisor):
    case = CaseFactory(stage=Stage.CONTACT)

    case_transition(case=case, to=Stage.LEGAL, actor=supervisor, reason="Pre-litigation review passed.")
    case_transition(case=case, to=Stage.CONTACT, actor=supervisor, reason="Withdrawn from review.")
    case_transition(case=case, to=Stage.LEGAL, actor=supervisor, reason="Back to review.")

    assert measure_events(case) == [{"reason": "legal"}]
    assert MeasureRequest.objects.filter(case=case).count() == 1


def test_a_write_off_asks_for_card_measures(supervisor):
    case = CaseFactory(stage=Stage.NEGOTIATE)
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, actor=supervisor,
                    reason="Written off after review.")
    assert measure_events(case) == [{"reason": "written_off"}]


def test_moving_many_cases_to_legal_or_write_off_asks_for_each(supervisor):
    cases = [CaseFactory(stage=Stage.CONTACT) for _ in range(3)]
    cases_transition_bulk(cases=cases[:2], to=Stage.LEGAL, actor=SYSTEM, reason="Referred.")
    cases_transition_bulk(cases=cases[2:], to=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, actor=SYSTEM,
                          reason="Written off.")
    assert [measure_events(c) for c in cases] == [[{"reason": "legal"}], [{"reason": "legal"}],
                                                  [{"reason": "written_off"}]]


def test_other_moves_ask_for_nothing(supervisor):
    case = CaseFactory(stage=Stage.CONTACT)
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM, reason="Paid.")
    assert measure_events(case) == []
