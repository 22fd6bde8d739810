import pytest

from cases.errors import TransitionNotAllowed
from cases.lifecycle import Stage
from cases.models import StageHistory
from cases.services import case_transition, case_transition_many
from core.actors import SYSTEM
from events.models import Event, EventType
from tests.factories import CaseFactory


@pytest.mark.django_db
def test_many_cases_move_together_with_a_history_row_and_event_each():
    cases = [CaseFactory(stage=Stage.CONFIRM), CaseFactory(stage=Stage.PLAN)]
    moved = case_transition_many(case_ids=[c.pk for c in cases], from_stages=(Stage.CONFIRM, Stage.PLAN),
                                 to=Stage.CONTACT, actor=SYSTEM, reason="First contact scheduled.")
    assert sorted(moved) == sorted(c.pk for c in cases)
    for case in cases:
        case.refresh_from_db()
        assert case.stage == Stage.CONTACT
        assert StageHistory.objects.filter(case=case, to_stage=Stage.CONTACT, actor_label=SYSTEM).count() == 1
        assert Event.objects.filter(case=case, type=EventType.CASE_STAGE_CHANGED).count() == 1


@pytest.mark.django_db
def test_a_case_moved_meanwhile_is_skipped():
    case = CaseFactory(stage=Stage.CONFIRM)
    case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="Called at once.")
    moved = case_transition_many(case_ids=[case.pk], from_stages=(Stage.CONFIRM,), to=Stage.CONTACT, actor=SYSTEM,
                                 reason="Pass")
    assert moved == []
    assert StageHistory.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_a_move_outside_the_table_is_refused():
    case = CaseFactory(stage=Stage.CONFIRM)
    with pytest.raises(TransitionNotAllowed):
        case_transition_many(case_ids=[case.pk], from_stages=(Stage.CONFIRM,), to=Stage.FOLLOW_UP, actor=SYSTEM,
                             reason="No")
    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM
