"""Write-offs: a supervisor proposes writing off a case's whole balance; the authority table's write-off limits,
per currency, say who approves; nobody approves their own; approved, the case closes as written off with the
amounts by part, its planned contacts and visits cancelled in the same transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from audit.models import AuditRecord
from cases.lifecycle import Outcome, Stage
from cases.models import Case, StageHistory
from cases.services import case_transition
from contacts.models import Channel, Origin, ScheduledContact
from core.actors import SYSTEM
from events.models import Event, EventType
from repayment_plans import write_offs
from repayment_plans.models import ApprovalKind, AuthorityLimit, WriteOff, WriteOffStatus
from repayment_plans.selectors import case_written_off, write_offs_awaiting_approval
from repayment_plans.write_offs import (
    WriteOffConflict,
    WriteOffError,
    write_off_approve,
    write_off_may_approve,
    write_off_propose,
    write_off_reject,
    write_off_withdraw,
)
from staff.models import Role
from staff.permissions import Capability, role_can
from tests.factories import CaseFactory, staff_user
from tests.repayment_plans.helpers import NOW, contact_case, propose
from visits.models import Visit, VisitOrigin, VisitStatus

pytestmark = pytest.mark.django_db

# 10,225.50 CNY: within a supervisor's 20,000.00 CNY. 50,225.50 CNY: beyond it, within a manager's 200,000.00.
SMALL, LARGE = {}, {"principal_overdue": Decimal("50000.00")}


@pytest.fixture
def other_supervisor(team):
    return staff_user(Role.SUPERVISOR, team, user__username="supervisor2")


def _case(user, **amounts):
    return contact_case(user, **amounts)


def test_supervisors_and_managers_approve_write_offs_and_legal_officers_may_also_propose_them():
    def roles(capability):
        return {role for role in Role.values if role_can(role, capability)}

    assert roles(Capability.APPROVE_WRITE_OFFS) == {Role.SUPERVISOR, Role.MANAGER}
    # A debt found uncollectable in litigation is proposed for write-off by the legal officer who found it.
    assert roles(Capability.PROPOSE_WRITE_OFFS) == {Role.LEGAL_OFFICER, Role.SUPERVISOR, Role.MANAGER}


def test_a_proposal_beyond_the_proposers_limit_waits_for_a_manager_with_the_amounts_by_part(supervisor):
    case = _case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Cardholder emigrated; untraceable.", at=NOW)
    assert (write_off.status, write_off.required_role, write_off.within_proposer_authority) == (
        WriteOffStatus.PENDING_APPROVAL, Role.MANAGER, False)
    assert write_off.parts == {"principal": Decimal("50000.00"), "interest": Decimal("150.00"),
                               "fees": Decimal("50.00"), "penalty": Decimal("25.50")}
    assert (write_off.total, write_off.currency) == (Decimal("50225.50"), "CNY")
    assert (write_off.proposer_role, write_off.proposer_limit) == (Role.SUPERVISOR, Decimal("20000.00"))
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT
    record = AuditRecord.objects.get(action="write_off.proposed", object_id=str(write_off.pk))
    assert record.changes["total"] == "50225.50" and record.changes["required_role"] == "manager"


def test_within_own_limit_the_case_is_written_off_as_within_own_authority_naming_the_proposer(supervisor):
    case = _case(supervisor)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Deceased, no estate.", at=NOW)
    write_off.refresh_from_db()
    assert (write_off.status, write_off.approval_kind, write_off.decided_by) == (
        WriteOffStatus.APPROVED, ApprovalKind.WITHIN_OWN_AUTHORITY, supervisor)
    assert write_off.within_proposer_authority and write_off.required_role == ""
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.WRITTEN_OFF)
    closing = StageHistory.objects.filter(case=case).latest("id")
    assert (closing.to_stage, closing.outcome, closing.reason) == ("closed", "written_off",
                                                                   "Written off: Deceased, no estate.")


def test_within_own_authority_never_counts_as_a_second_persons_check(supervisor):
    write_off = write_off_propose(case=_case(supervisor), actor=supervisor, reason="Uncollectable.", at=NOW)
    assert write_off.approval_kind == ApprovalKind.WITHIN_OWN_AUTHORITY
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.filter(pk=write_off.pk).update(approval_kind=ApprovalKind.SECOND_PERSON)


def test_a_manager_approves_what_is_beyond_a_supervisors_limit_and_no_supervisor_may(
        supervisor, other_supervisor, manager):
    write_off = write_off_propose(case=_case(supervisor, **LARGE), actor=supervisor, reason="Untraceable.", at=NOW)
    assert not write_off_may_approve(write_off=write_off, user=other_supervisor)
    with pytest.raises(WriteOffError) as caught:
        write_off_approve(write_off=write_off, actor=other_supervisor, reason="Fine by me.")
    assert caught.value.code == "beyond_authority"
    assert write_offs_awaiting_approval(user=other_supervisor) == []
    assert write_offs_awaiting_approval(user=manager) == [write_off]
    write_off = write_off_approve(write_off=write_off, actor=manager, reason="Trace reports attached.")
    assert (write_off.status, write_off.approval_kind, write_off.decided_by) == (
        WriteOffStatus.APPROVED, ApprovalKind.SECOND_PERSON, manager)
    assert Case.objects.get(pk=write_off.case_id).outcome == Outcome.WRITTEN_OFF


def test_nobody_approves_their_own_write_off(settings, supervisor, manager):
    settings.WRITE_OFFS_NEED_SECOND_PERSON = True
    write_off = write_off_propose(case=_case(manager), actor=manager, reason="Untraceable.", at=NOW)
    assert not write_off_may_approve(write_off=write_off, user=manager)
    assert write_offs_awaiting_approval(user=manager) == []
    with pytest.raises(WriteOffError) as caught:
        write_off_approve(write_off=write_off, actor=manager, reason="Mine.")
    assert caught.value.code == "maker_checker"
    with pytest.raises(WriteOffError):
        write_off_reject(write_off=write_off, actor=manager, reason="Mine.")
    write_off.refresh_from_db()
    assert write_off.status == WriteOffStatus.PENDING_APPROVAL


def test_the_database_refuses_an_approval_by_a_second_person_who_is_the_proposer(supervisor):
    write_off = write_off_propose(case=_case(supervisor, **LARGE), actor=supervisor, reason="Untraceable.", at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.filter(pk=write_off.pk).update(status="approved", approval_kind="second_person",
                                                        decided_by=supervisor, decided_at=NOW)


def test_four_eyes_sends_a_write_off_within_the_proposers_limit_to_another_approver(
        settings, supervisor, other_supervisor):
    settings.WRITE_OFFS_NEED_SECOND_PERSON = True
    case = _case(supervisor)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    assert (write_off.status, write_off.within_proposer_authority, write_off.required_role) == (
        WriteOffStatus.PENDING_APPROVAL, True, Role.SUPERVISOR)
    case.refresh_from_db()
    assert case.is_open
    write_off = write_off_approve(write_off=write_off, actor=other_supervisor, reason="Checked the trace.")
    assert (write_off.approval_kind, write_off.decided_by) == (ApprovalKind.SECOND_PERSON, other_supervisor)


def test_four_eyes_for_plans_is_a_separate_setting(settings, supervisor):
    settings.PLANS_NEED_SECOND_PERSON, settings.WRITE_OFFS_NEED_SECOND_PERSON = True, False
    write_off = write_off_propose(case=_case(supervisor), actor=supervisor, reason="Untraceable.", at=NOW)
    assert write_off.status == WriteOffStatus.APPROVED


def test_a_case_in_another_currency_is_held_to_the_limits_in_that_currency(supervisor, manager):
    usd = dict(currency="USD", account__currency="USD", principal_overdue=Decimal("2000.00"))
    within = write_off_propose(case=_case(supervisor, **usd), actor=supervisor, reason="Untraceable.", at=NOW)
    assert (within.status, within.currency, within.proposer_limit) == (
        WriteOffStatus.APPROVED, "USD", Decimal("3000.00"))
    beyond = write_off_propose(case=_case(supervisor, **{**usd, "principal_overdue": Decimal("5000.00")}),
                               actor=supervisor, reason="Untraceable.", at=NOW)
    # 5,225.50 USD is far below a supervisor's 20,000.00 CNY, but beyond their 3,000.00 USD.
    assert (beyond.status, beyond.required_role) == (WriteOffStatus.PENDING_APPROVAL, Role.MANAGER)
    assert write_off_may_approve(write_off=beyond, user=manager)


def test_a_currency_no_role_has_a_limit_in_cannot_be_written_off_until_one_is_given(supervisor):
    hkd = dict(currency="HKD", account__currency="HKD")
    case = _case(supervisor, **hkd)
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    assert caught.value.code == "beyond_authority" and "HKD" in caught.value.message
    AuthorityLimit.objects.filter(role=Role.MANAGER).update(max_write_off_by_currency={"HKD": "80000.00"})
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    assert (write_off.required_role, write_off.proposer_limit) == (Role.MANAGER, None)


def test_closing_emits_the_write_off_with_its_amounts_by_part_beside_case_closed(supervisor):
    case = _case(supervisor)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    events = {event.type: event for event in Event.objects.filter(case=case)}
    assert events[EventType.CASE_CLOSED].payload == {"outcome": "written_off"}
    assert events[EventType.CASE_WRITTEN_OFF].payload == {
        "write_off_id": write_off.pk, "currency": "CNY", "principal": "10000.00", "interest": "150.00",
        "fees": "50.00", "penalty": "25.50", "total": "10225.50", "approval_kind": "within_own_authority"}
    case.refresh_from_db()
    assert case_written_off(case=case) == write_off


def test_a_rejected_or_withdrawn_write_off_leaves_the_case_open_and_is_not_its_write_off(supervisor, manager):
    case = _case(supervisor, **LARGE)
    write_off_reject(write_off=write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW),
                     actor=manager, reason="Try the new address first.")
    withdrawn = write_off_withdraw(write_off=write_off_propose(case=case, actor=supervisor, reason="Again.", at=NOW),
                                   actor=supervisor, reason="The cardholder called back.")
    case.refresh_from_db()
    assert case.is_open and case_written_off(case=case) is None
    assert withdrawn.status == WriteOffStatus.WITHDRAWN and withdrawn.decision_reason == "The cardholder called back."
    assert not Event.objects.filter(case=case, type=EventType.CASE_WRITTEN_OFF).exists()


def test_one_write_off_waits_per_case(supervisor):
    case = _case(supervisor, **LARGE)
    write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    with pytest.raises(WriteOffConflict):
        write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)


def _call_and_visit(case):
    call = ScheduledContact.objects.create(case=case, channel=Channel.CALL, origin=Origin.POLICY,
                                           due_at=timezone.now(), idempotency_key=f"{case.pk}:call", rule="T3.call")
    visit = Visit.objects.create(case=case, origin=VisitOrigin.ESCALATION, reason="Contact policy: T4.visit",
                                 address="上海市", region="上海", requested_by_label="system")
    return call, visit


def test_the_approval_cancels_the_cases_pending_calls_and_visits(supervisor, manager):
    case = _case(supervisor, **LARGE)
    call, visit = _call_and_visit(case)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    call.refresh_from_db()
    assert call.status == "scheduled"  # proposing stops nothing
    write_off_approve(write_off=write_off, actor=manager, reason="Agreed.")
    call.refresh_from_db()
    visit.refresh_from_db()
    assert (call.status, visit.status) == ("cancelled", VisitStatus.CANCELLED)
    assert call.trail[-1]["reason"] == "Cancelled: the case was closed."


def test_a_failure_after_the_close_leaves_the_case_its_calls_and_visits_as_they_were(monkeypatch, supervisor, manager):
    case = _case(supervisor, **LARGE)
    call, visit = _call_and_visit(case)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)

    def fail(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(write_offs, "event_emit", fail)
    with pytest.raises(RuntimeError):
        write_off_approve(write_off=write_off, actor=manager, reason="Agreed.")
    case.refresh_from_db()
    call.refresh_from_db()
    visit.refresh_from_db()
    write_off.refresh_from_db()
    assert case.is_open and (call.status, visit.status) == ("scheduled", VisitStatus.REQUESTED)
    assert write_off.status == WriteOffStatus.PENDING_APPROVAL
    assert not Event.objects.filter(case=case, type=EventType.CASE_CLOSED).exists()


def test_an_approval_holds_only_while_the_case_owes_what_was_proposed(supervisor, manager):
    case = _case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    Case.objects.filter(pk=case.pk).update(fees_overdue=Decimal("80.00"))
    with pytest.raises(WriteOffConflict) as caught:
        write_off_approve(write_off=write_off, actor=manager, reason="Agreed.")
    assert caught.value.code == "balance_changed"
    assert Case.objects.get(pk=case.pk).is_open


def test_a_case_in_the_legal_stage_may_be_written_off_as_uncollectable(supervisor):
    case = case_transition(case=_case(supervisor), to=Stage.LEGAL, actor=SYSTEM, reason="Lawsuit filed.", at=NOW)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Judgment unenforceable: no assets.")
    assert write_off.status == WriteOffStatus.APPROVED
    assert Case.objects.get(pk=case.pk).outcome == Outcome.WRITTEN_OFF


@pytest.mark.parametrize("stage", [Stage.CONFIRM, Stage.CLOSED])
def test_a_case_outside_the_stages_it_may_close_from_as_written_off_is_refused(supervisor, stage):
    fields = {"outcome": Outcome.CURED, "closed_at": NOW} if stage == Stage.CLOSED else {}
    case = CaseFactory(stage=stage, assigned_team=supervisor.profile.team, **fields)
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    assert caught.value.code == "case_not_eligible"
    # Shown later, in the reader's language, the stages are named in that language too.
    with translation.override("en"):
        english = [str(Stage(stage).label) for stage in write_offs.WRITE_OFF_FROM]
        assert all(label in caught.value.message for label in english)
    with translation.override("zh-hans"):
        shown = caught.value.message
    assert not any(label in shown for label in english)


def test_a_case_with_a_plan_in_progress_is_not_written_off(agent, supervisor):
    case = _case(agent)
    propose(case, agent, count=12)
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    assert caught.value.code == "plan_in_progress"


def test_a_case_that_owes_nothing_has_nothing_to_write_off(supervisor):
    case = _case(supervisor, principal_overdue=0, interest_overdue=0, fees_overdue=0, penalty_overdue=0)
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    assert caught.value.code == "nothing_owed"


@pytest.mark.parametrize("who", ["agent", "field_agent", "compliance", "admin_user"])
def test_only_supervisors_and_managers_may_propose_a_write_off(request, supervisor, who):
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=_case(supervisor), actor=request.getfixturevalue(who), reason="Untraceable.")
    assert caught.value.code == "not_allowed"
    with pytest.raises(WriteOffError):
        write_off_propose(case=_case(supervisor), actor=SYSTEM, reason="Untraceable.")


def test_an_agent_neither_approves_nor_withdraws_a_supervisors_write_off(agent, supervisor):
    write_off = write_off_propose(case=_case(supervisor, **LARGE), actor=supervisor, reason="Untraceable.", at=NOW)
    assert not write_off_may_approve(write_off=write_off, user=agent)
    with pytest.raises(WriteOffError):
        write_off_approve(write_off=write_off, actor=agent, reason="ok")
    with pytest.raises(WriteOffError):
        write_off_withdraw(write_off=write_off, actor=agent, reason="ok")


def test_a_write_off_needs_a_reason(supervisor):
    with pytest.raises(WriteOffError) as caught:
        write_off_propose(case=_case(supervisor), actor=supervisor, reason="   ")
    assert caught.value.field == "reason"


def test_a_decided_write_off_cannot_be_decided_again(supervisor, manager):
    write_off = write_off_propose(case=_case(supervisor, **LARGE), actor=supervisor, reason="Untraceable.", at=NOW)
    write_off_reject(write_off=write_off, actor=manager, reason="No.")
    with pytest.raises(WriteOffConflict):
        write_off_approve(write_off=write_off, actor=manager, reason="Yes after all.")


# --- The authority table's write-off limits, as the admin edits them ---------------------------------------

@pytest.mark.parametrize("by_currency", [
    {"usd": "100"}, {"CNY": "100"}, {"XYZ": "100"}, {"USD": "-1"}, {"USD": "1.001"}, {"USD": "many"},
    {"USD": "NaN"}, {"USD": True}, {"USD": None}, {"USD": "1e20"}, ["USD", "100"],
])
def test_nonsense_write_off_limits_by_currency_are_refused(by_currency):
    limit = AuthorityLimit.objects.get(role=Role.SUPERVISOR)
    limit.max_write_off_by_currency = by_currency
    with pytest.raises(ValidationError) as caught:
        limit.full_clean()
    assert "max_write_off_by_currency" in caught.value.message_dict


def test_a_negative_write_off_limit_is_refused_by_the_form_and_the_database():
    limit = AuthorityLimit.objects.get(role=Role.SUPERVISOR)
    limit.max_write_off = Decimal("-1")
    with pytest.raises(ValidationError):
        limit.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuthorityLimit.objects.filter(pk=limit.pk).update(max_write_off=Decimal("-1"))


def test_sensible_write_off_limits_are_kept_as_amounts_to_the_cent():
    limit = AuthorityLimit.objects.get(role=Role.SUPERVISOR)
    limit.max_write_off_by_currency = {"USD": 2500, "HKD": "20000.5"}
    limit.full_clean()
    assert limit.max_write_off_by_currency == {"USD": "2500.00", "HKD": "20000.50"}


def test_the_admin_refuses_a_nonsense_limit_beside_its_field(client, admin_user):
    client.force_login(admin_user)
    limit = AuthorityLimit.objects.get(role=Role.SUPERVISOR)
    response = client.post(f"/admin/repayment_plans/authoritylimit/{limit.pk}/change/", {
        "role": limit.role, "max_months": 36, "max_charges_waiver_percent": "50", "max_principal_waiver_percent": "10",
        "max_write_off": "20000.00", "max_write_off_by_currency": '{"USD": "-5"}'})
    assert response.status_code == 200
    assert "The write-off limit in USD must be an amount of zero or more" in response.content.decode()
    limit.refresh_from_db()
    assert limit.max_write_off_by_currency == {"USD": "3000.00"}


def test_the_timeline_says_what_was_written_off_by_part(supervisor):
    from cases.timeline import case_timeline

    case = _case(supervisor)
    write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW + dt.timedelta(minutes=1))
    texts = [entry["text"] for entry in case_timeline(case=case)]
    assert ("Written off 10225.50 CNY: principal 10000.00, interest 150.00, fees 50.00, penalty 25.50 "
            "(Within own authority)") in texts


def test_a_case_reopened_after_a_write_off_is_no_longer_written_off_and_may_be_written_off_again(supervisor):
    case = _case(supervisor)
    first = write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    # As a correction reopens it (the core system's reopening writes a history row; here only the row moves).
    Case.objects.filter(pk=case.pk).update(stage=Stage.CONTACT, outcome="", closed_at=None)
    case.refresh_from_db()
    assert case_written_off(case=case) is None
    second = write_off_propose(case=case, actor=supervisor, reason="Untraceable again.", at=NOW + dt.timedelta(days=1))
    case.refresh_from_db()
    assert case_written_off(case=case) == second != first
