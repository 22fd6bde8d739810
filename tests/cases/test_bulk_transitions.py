import pytest

from cases.errors import TransitionNotAllowed
from cases.lifecycle import Outcome, Stage
from cases.models import Case, StageHistory
from cases.services import cases_transition_bulk
from core.actors import CORE_SYSTEM
from events.models import Event
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_bulk_close_moves_only_cases_still_at_the_stage_the_caller_saw():
    first, second = CaseFactory(stage=Stage.CONFIRM), CaseFactory(stage=Stage.CONTACT)
    stale_view = Case.objects.get(pk=second.pk)
    Case.objects.filter(pk=second.pk).update(stage=Stage.NEGOTIATE)  # someone moved it meanwhile

    moved = cases_transition_bulk(cases=[first, stale_view], to=Stage.CLOSED, outcome=Outcome.CURED,
                                  actor=CORE_SYSTEM, reason="paid")

    assert [case.pk for case in moved] == [first.pk]
    assert Case.objects.get(pk=second.pk).stage == Stage.NEGOTIATE
    first.refresh_from_db()
    assert (first.stage, first.outcome) == (Stage.CLOSED, Outcome.CURED) and first.closed_at is not None
    assert StageHistory.objects.get(case=first).from_stage == Stage.CONFIRM
    assert list(Event.objects.order_by("id").values_list("case_id", "type")) == [(first.pk, "case.stage_changed"),
                                                                  (first.pk, "case.closed")]


def test_bulk_transition_refuses_a_move_the_table_does_not_allow_and_changes_nothing():
    case = CaseFactory(stage=Stage.CONFIRM)
    with pytest.raises(TransitionNotAllowed):
        cases_transition_bulk(cases=[case], to=Stage.CLOSED, outcome=Outcome.SETTLED, actor=CORE_SYSTEM,
                              reason="settled")
    assert Case.objects.get().stage == Stage.CONFIRM and not StageHistory.objects.exists()
