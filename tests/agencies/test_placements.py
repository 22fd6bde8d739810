"""Placing cases with an outside agency, and every way a placement ends."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import EndCause, Placement
from agencies.services import agency_status_change, placements_create, placements_end, placements_expire
from cases.ingest import Recall, accounts_recall
from cases.lifecycle import Outcome, Stage
from cases.queue import queue_for_agent
from cases.services import case_transition
from complaints.services import complaint_open
from core.errors import Conflict
from escalation.models import EscalationPending
from events.models import Event, EventType
from tests.factories import CaseFactory


def test_placing_cases_opens_one_placement_each_with_an_event(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, reason="Late stage")
    placement = Placement.objects.get(case=case)
    assert placement.is_open and placement.until == timezone.localdate() + dt.timedelta(days=90)
    assert Event.objects.filter(case=case, type=EventType.CASE_PLACED).exists()
    assert EscalationPending.objects.filter(case_id=case.pk).exists()


def test_a_case_has_at_most_one_open_placement(agency, other_agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    with pytest.raises(Conflict):
        placements_create(case_ids=[case.pk], agency=other_agency, actor=supervisor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(case=case, agency=other_agency, bucket="M1", balance=1, currency="CNY",
                                 until=timezone.localdate(), placed_by_label="x")


def test_a_batch_beyond_the_agencys_capacity_places_nothing(agency, team, supervisor):
    cases = [CaseFactory(assigned_team=team, stage="contact") for _ in range(4)]
    with pytest.raises(Conflict) as caught:
        placements_create(case_ids=[c.pk for c in cases], agency=agency, actor=supervisor)
    assert caught.value.code == "over_capacity" and not Placement.objects.exists()


def test_a_suspended_agency_takes_no_cases(agency, case, supervisor):
    agency_status_change(agency=agency, status="suspended", reason="Audit findings", actor=supervisor)
    with pytest.raises(Conflict):
        placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)


def test_a_placed_case_leaves_the_in_house_queue_and_comes_back_when_it_ends(agency, case, agent, supervisor,
                                                                            agency_agent):
    case.assigned_agent = agent
    case.save()
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    assert case not in queue_for_agent(user=agent)
    assert case in queue_for_agent(user=agency_agent)
    placements_end(case_ids=[case.pk], cause=EndCause.MANUAL, reason="Cardholder asked for the bank", actor=supervisor)
    assert case in queue_for_agent(user=agent) and case not in queue_for_agent(user=agency_agent)
    ended = Placement.objects.get(case=case)
    assert ended.end_cause == EndCause.MANUAL and ended.ended_by == supervisor
    assert Event.objects.get(case=case, type=EventType.CASE_PLACEMENT_ENDED).payload["cause"] == "manual"


def test_suspending_an_agency_ends_its_placements_in_the_same_transaction(agency, case, team, supervisor):
    second = CaseFactory(assigned_team=team, stage="contact")
    placements_create(case_ids=[case.pk, second.pk], agency=agency, actor=supervisor)
    ended = agency_status_change(agency=agency, status="suspended", reason="Complaints rising", actor=supervisor)
    assert ended == 2
    assert set(Placement.objects.values_list("end_cause", flat=True)) == {EndCause.AGENCY_SUSPENDED}


def test_expiry_ends_placements_past_their_period(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, days=1)
    assert placements_expire() == 0
    assert placements_expire(as_of=timezone.now() + dt.timedelta(days=3)) == 1
    assert Placement.objects.get(case=case).end_cause == EndCause.EXPIRED


def test_closing_the_case_ends_its_placement(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=supervisor, reason="Paid in full")
    assert Placement.objects.get(case=case).end_cause == EndCause.CLOSED


def test_the_core_systems_recall_ends_the_placement_as_recalled_with_the_recalls_reason(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    [outcome] = accounts_recall(recalls=[Recall(account_number=case.account.account_number, reason="sold",
                                                as_of=timezone.now())])
    assert outcome.result == "recalled"
    placement = Placement.objects.get(case=case)
    assert (placement.end_cause, placement.end_reason) == (
        EndCause.RECALLED, "Recalled by the core system: the debt was sold.")
    event = Event.objects.get(type=EventType.CASE_PLACEMENT_ENDED, case_id=case.pk)
    assert event.payload == {"agency": agency.name, "cause": "recalled",
                             "reason": "Recalled by the core system: the debt was sold."}


def test_a_conduct_complaint_ends_the_placement_when_the_agency_says_so(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    complaint_open(case=case, kind="complaint", channel="phone", category="amount", description="Wrong sum",
                   actor=supervisor)
    assert Placement.objects.get(case=case).is_open
    complaint_open(case=case, kind="complaint", channel="phone", category="conduct", description="Threatened",
                   actor=supervisor)
    assert Placement.objects.get(case=case).end_cause == EndCause.COMPLAINT


def test_a_conduct_complaint_leaves_the_placement_when_the_agency_flag_is_off(agency, case, supervisor):
    agency.ends_placement_on_conduct_complaint = False
    agency.save()
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    complaint_open(case=case, kind="complaint", channel="phone", category="conduct", description="Rude",
                   actor=supervisor)
    assert Placement.objects.get(case=case).is_open


def test_the_recall_hook_ends_the_placement(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    assert placements_end(case_ids=[case.pk], cause=EndCause.RECALLED, actor="core-system") == 1
    assert Placement.objects.get(case=case).end_reason == "The core system recalled the account."
