import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from cases.errors import StageConflict, TransitionNotAllowed
from cases.lifecycle import CLOSE_OUTCOMES_FROM, REOPEN_TO, TRANSITIONS, Outcome, Stage
from cases.models import Case, StageHistory
from cases.services import case_open, case_transition
from core.actors import SYSTEM
from core.errors import DomainError
from events.models import Event, EventType
from tests.factories import AccountFactory, CaseFactory


def case_at(stage: str) -> Case:
    if stage == Stage.CLOSED:
        return CaseFactory(stage=stage, outcome=Outcome.CURED, closed_at=timezone.now())
    return CaseFactory(stage=stage)


def allowed_moves():
    for from_stage, targets in TRANSITIONS.items():
        for to in sorted(targets):
            if to == Stage.CLOSED:
                for outcome, froms in CLOSE_OUTCOMES_FROM.items():
                    if from_stage in froms:
                        yield from_stage, to, outcome
            else:
                yield from_stage, to, None


def forbidden_moves():
    # Reopening a case closed cured (as case_at builds it) is its own guarded path, tested below.
    allowed = set(allowed_moves()) | {(Stage.CLOSED, to, None) for to in REOPEN_TO}
    for from_stage in Stage.values:
        for to in Stage.values:
            for outcome in [None, *Outcome.values]:
                if (from_stage, to, outcome) not in allowed:
                    yield from_stage, to, outcome


@pytest.mark.django_db
@pytest.mark.parametrize(("from_stage", "to", "outcome"), list(allowed_moves()))
def test_every_allowed_transition_moves_the_case_and_writes_history_and_event(from_stage, to, outcome, agent):
    case = case_at(from_stage)

    case_transition(case=case, to=to, actor=agent, reason="worked the case", outcome=outcome)

    case.refresh_from_db()
    assert (case.stage, case.outcome) == (to, outcome or "")
    assert (case.closed_at is not None) == (to == Stage.CLOSED)
    row = StageHistory.objects.get(case=case)
    assert (row.from_stage, row.to_stage, row.outcome) == (from_stage, to, outcome or "")
    assert (row.actor, row.actor_label, row.reason) == (agent, "agent", "worked the case")
    event = Event.objects.get(case=case, type=EventType.CASE_STAGE_CHANGED)
    assert event.payload == {"from": from_stage, "to": to, "reason": "worked the case"}


def test_litigation_is_a_stage_and_never_an_outcome():
    assert "legal" in Stage.values and "legal" not in Outcome.values
    assert set(Outcome.values) == {"cured", "settled", "written_off", "recalled"}
    # Litigation ends in one of the outcomes, goes back to contact (withdrawn), or to negotiate (settled in court).
    assert {outcome for outcome, froms in CLOSE_OUTCOMES_FROM.items() if Stage.LEGAL in froms} == set(Outcome.values)
    assert TRANSITIONS[Stage.LEGAL] == {Stage.CONTACT, Stage.NEGOTIATE, Stage.CLOSED}


@pytest.mark.django_db
def test_the_database_refuses_a_case_closed_as_legal():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, outcome="legal", closed_at=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize(("from_stage", "to", "outcome"), list(forbidden_moves()))
def test_every_forbidden_transition_raises_and_changes_nothing(from_stage, to, outcome):
    case = case_at(from_stage)
    before = Case.objects.filter(pk=case.pk).values().get()

    with pytest.raises(TransitionNotAllowed):
        case_transition(case=case, to=to, actor=SYSTEM, reason="trying", outcome=outcome)

    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert not StageHistory.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_transition_needs_a_reason():
    case = case_at(Stage.CONFIRM)
    with pytest.raises(DomainError, match="reason"):
        case_transition(case=case, to=Stage.PLAN, actor=SYSTEM, reason="  ")
    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM


@pytest.mark.django_db
def test_a_stale_view_of_the_stage_loses_and_changes_nothing():
    case = case_at(Stage.CONFIRM)
    stale = Case.objects.get(pk=case.pk)
    case_transition(case=case, to=Stage.PLAN, actor=SYSTEM, reason="first")

    with pytest.raises(StageConflict):
        case_transition(case=stale, to=Stage.CONTACT, actor=SYSTEM, reason="second")

    case.refresh_from_db()
    assert case.stage == Stage.PLAN
    assert StageHistory.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_opening_a_case_writes_the_first_history_row(agent):
    account = AccountFactory()
    case = case_open(account=account, overdue_since=timezone.localdate(), amounts={}, actor=SYSTEM,
                     reason="reported by the core system")
    assert case.stage == Stage.CONFIRM
    row = StageHistory.objects.get(case=case)
    assert (row.from_stage, row.to_stage, row.actor_label) == ("", Stage.CONFIRM, "system")


@pytest.mark.django_db(transaction=True)
def test_two_connections_transitioning_one_case_at_once_have_exactly_one_winner():
    assert connection.vendor == "postgresql"
    case = case_at(Stage.CONTACT)
    barrier = threading.Barrier(2)
    results = []

    def attempt(to):
        close_old_connections()
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait(timeout=10)
            case_transition(case=mine, to=to, actor=SYSTEM, reason=f"to {to}")
            results.append(("won", to))
        except StageConflict:
            results.append(("lost", to))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(to,)) for to in (Stage.NEGOTIATE, Stage.FOLLOW_UP)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcome for outcome, _ in results) == ["lost", "won"]
    winner = next(to for outcome, to in results if outcome == "won")
    case.refresh_from_db()
    assert case.stage == winner
    assert list(StageHistory.objects.filter(case=case).values_list("to_stage", flat=True)) == [winner]


@pytest.mark.django_db
@pytest.mark.parametrize("to", [Stage.CONTACT, Stage.FOLLOW_UP])
def test_a_cured_case_reopens_as_itself_with_a_history_row_and_an_event(to):
    case = case_at(Stage.CLOSED)

    case_transition(case=case, to=to, actor=SYSTEM, reason="The payment bounced.")

    case.refresh_from_db()
    assert (case.stage, case.outcome, case.closed_at) == (to, "", None)
    row = StageHistory.objects.get(case=case)
    assert (row.from_stage, row.to_stage, row.reason) == (Stage.CLOSED, to, "The payment bounced.")
    assert case.events.filter(type="case.reopened", payload__closed_as="cured").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", [Outcome.RECALLED, Outcome.WRITTEN_OFF])
def test_only_a_cured_or_settled_case_reopens(outcome):
    case = CaseFactory(stage=Stage.CLOSED, outcome=outcome, closed_at=timezone.now())
    with pytest.raises(TransitionNotAllowed):
        case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="trying")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and not StageHistory.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_case_does_not_reopen_beside_a_newer_open_case():
    from cases.errors import OpenCaseExists

    case = case_at(Stage.CLOSED)
    CaseFactory(account=case.account, stage=Stage.CONTACT)
    with pytest.raises(OpenCaseExists):
        case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="The payment bounced.")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
