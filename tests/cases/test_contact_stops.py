"""When contact must stop now: the hook the lower app calls, and what the capabilities registered do."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import contact_stops
from cases.contact_stops import StopCause, cases_contact_stop, contact_stop_register
from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import HoldKind, Outcome, Stage
from cases.services import case_hold_place, case_transition
from contacts.models import Channel, Origin, ScheduledContact
from core.actors import SYSTEM
from tests.factories import CaseFactory
from visits.models import Visit, VisitHistory, VisitOrigin, VisitStatus

pytestmark = pytest.mark.django_db


def _contact(case, channel, *, origin=Origin.POLICY, key=None):
    return ScheduledContact.objects.create(case=case, channel=channel, origin=origin, due_at=timezone.now(),
                                           idempotency_key=key or f"{case.pk}:{channel}:{origin}", rule="T3.x")


def _visit(case, *, status=VisitStatus.REQUESTED, agent=None):
    fields = {}
    if status != VisitStatus.REQUESTED:
        start = timezone.now() + dt.timedelta(hours=1)
        fields = {"assigned_to": agent, "scheduled_for": start.date(), "window_start": start,
                  "window_end": start + dt.timedelta(hours=1)}
    return Visit.objects.create(case=case, origin=VisitOrigin.ESCALATION, reason="Contact policy: T4.visit",
                                address="上海市", region="上海", requested_by_label="system", status=status,
                                **fields)


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team)


def _statuses(*rows):
    return [type(row).objects.get(pk=row.pk).status for row in rows]


def test_every_registered_reaction_runs_with_the_cases_and_the_cause(monkeypatch, case):
    seen = []
    monkeypatch.setattr(contact_stops, "_REACTIONS", {})
    contact_stop_register("spy", lambda stop: seen.append((stop.case_ids, stop.cause, stop.reason)) or 7)
    assert cases_contact_stop(case_ids=[case.pk, case.pk], cause=StopCause.HOLD, actor=SYSTEM) == {"spy": 7}
    assert seen == [((case.pk,), "hold", "Cancelled: the case was put on hold.")]


def test_an_unknown_cause_is_refused(case):
    with pytest.raises(ValueError):
        cases_contact_stop(case_ids=[case.pk], cause="whim", actor=SYSTEM)


def test_a_hold_cancels_calls_visit_requests_and_the_policys_other_contacts(case, field_agent):
    call, sms = _contact(case, Channel.CALL), _contact(case, Channel.SMS)
    staff_sms = _contact(case, Channel.SMS, origin=Origin.STAFF)
    requested = _visit(case)
    case_hold_place(case=case, kind=HoldKind.DECEASED, actor=SYSTEM, reason="Reported by family.",
                    evidence_reference="DC-1")
    assert _statuses(call, sms, staff_sms, requested) == ["cancelled", "cancelled", "scheduled", "cancelled"]
    call.refresh_from_db()
    assert call.trail[-1]["cause"] == "hold" and call.trail[-1]["reason"] == "Cancelled: the case was put on hold."
    history = VisitHistory.objects.filter(visit=requested).latest("id")
    assert (history.from_status, history.to_status) == ("requested", "cancelled")
    assert history.reason == "Cancelled: the case was put on hold."


def test_a_checked_in_visit_is_left_to_its_agent(case, field_agent):
    at_the_door = _visit(case, status=VisitStatus.CHECKED_IN, agent=field_agent)
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="Disputes the fees.")
    assert _statuses(at_the_door) == ["checked_in"]


def test_closing_a_case_cancels_everything_still_planned_whatever_the_outcome(case, field_agent):
    call, sms = _contact(case, Channel.CALL), _contact(case, Channel.SMS)
    callback = _contact(case, Channel.CALL, origin=Origin.STAFF)
    assigned = _visit(case, status=VisitStatus.ASSIGNED, agent=field_agent)
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, actor=SYSTEM, reason="Written off.")
    assert _statuses(call, sms, callback, assigned) == ["cancelled"] * 4
    assert ScheduledContact.objects.get(pk=callback.pk).trail[-1]["cause"] == "closed"


def test_a_payment_batch_that_cures_cases_cancels_their_contacts_in_its_transaction(team):
    cured = [CaseFactory(stage=Stage.CONTACT, assigned_team=team, principal_overdue=Decimal("100.00"),
                         interest_overdue=Decimal("0"), fees_overdue=Decimal("0"), penalty_overdue=Decimal("0"))
             for _ in range(3)]
    calls = [_contact(c, Channel.CALL) for c in cured]
    visits = [_visit(c) for c in cured]
    now = timezone.now()
    payments_ingest(reports=[PaymentReport(transaction_id=f"TX-{c.pk}", account_number=c.account.account_number,
                                           amount=Decimal("100.00"), currency="CNY", paid_at=now) for c in cured],
                    now=now)
    assert {c.stage for c in type(cured[0]).objects.filter(pk__in=[c.pk for c in cured])} == {Stage.CLOSED}
    assert set(_statuses(*calls, *visits)) == {"cancelled"}


def test_a_failed_change_cancels_nothing(case):
    call = _contact(case, Channel.CALL)
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="First.")
    fresh = _contact(case, Channel.CALL, key="second")
    with pytest.raises(Exception, match="already has an active"):
        case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="Second.")
    assert _statuses(call, fresh) == ["cancelled", "scheduled"]
