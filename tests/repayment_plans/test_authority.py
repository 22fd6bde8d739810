from decimal import Decimal

import pytest

from audit.models import AuditRecord
from cases.lifecycle import Stage
from repayment_plans.models import AuthorityLimit, PlanDecision, PlanStatus
from repayment_plans.plans import (
    PlanConflict,
    PlanError,
    plan_approve,
    plan_cancel,
    plan_may_approve,
    plan_reject,
)
from tests.repayment_plans.helpers import contact_case, propose

pytestmark = pytest.mark.django_db

CHARGES_20 = {"interest": 20, "fees": 20, "penalty": 20}  # 45.10 of 225.50: exactly 20 %
CHARGES_21 = {"interest": 21, "fees": 21, "penalty": 21}


@pytest.mark.parametrize(("proposer", "terms", "needs"), [
    ("agent", {"count": 12}, ""),
    ("agent", {"count": 13}, "supervisor"),
    ("agent", {"count": 12, **CHARGES_20}, ""),
    ("agent", {"count": 12, **CHARGES_21}, "supervisor"),
    ("agent", {"count": 2, "principal": "0.01"}, "supervisor"),
    ("supervisor", {"count": 36, "principal": 10, **{"interest": 50}}, ""),
    ("supervisor", {"count": 37}, "manager"),
    ("supervisor", {"count": 2, "principal": 11}, "manager"),
    ("agent", {"count": 2, "interest": 100, "principal": 30}, "manager"),
    ("manager", {"count": 60, "principal": 30, "interest": 100, "fees": 100, "penalty": 100}, ""),
])
def test_the_authority_matrix_decides_who_must_approve(request, proposer, terms, needs):
    actor = request.getfixturevalue(proposer)
    plan = propose(contact_case(actor), actor, **terms)
    assert plan.required_role == needs
    assert plan.status == (PlanStatus.APPROVED if not needs else PlanStatus.PENDING_APPROVAL)


def test_terms_beyond_every_authority_are_refused(manager):
    with pytest.raises(PlanError) as caught:
        propose(contact_case(manager), manager, count=2, principal=31)
    assert caught.value.code == "beyond_authority"


def test_authority_limits_are_data_an_admin_can_change(agent):
    AuthorityLimit.objects.filter(role="agent").update(max_months=24)
    assert propose(contact_case(agent), agent, count=13).status == PlanStatus.APPROVED


def test_compliance_cannot_propose_a_plan(agent, compliance):
    with pytest.raises(PlanError):
        propose(contact_case(agent), compliance)


def test_proposing_moves_the_case_to_negotiate_and_a_second_plan_is_refused(agent):
    case = contact_case(agent)
    propose(case, agent, count=13)
    case.refresh_from_db()
    assert case.stage == Stage.NEGOTIATE
    with pytest.raises(PlanConflict):
        propose(case, agent)


def test_a_supervisor_approves_an_agents_plan_with_a_reason_audited(agent, supervisor):
    plan = propose(contact_case(agent), agent, count=24)
    assert plan_may_approve(plan=plan, user=supervisor) and not plan_may_approve(plan=plan, user=agent)
    plan = plan_approve(plan=plan, actor=supervisor, reason="Income verified; 24 months is affordable.")
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == supervisor
    decision = PlanDecision.objects.filter(plan=plan).order_by("id").last()
    assert (decision.to_status, decision.actor, decision.reason) == (
        PlanStatus.APPROVED, supervisor, "Income verified; 24 months is affordable.")
    assert AuditRecord.objects.filter(action="plan.approved", object_id=str(plan.pk), actor=supervisor,
                                      reason__startswith="Income verified").exists()


def test_the_proposer_never_approves_their_own_plan(supervisor):
    plan = propose(contact_case(supervisor), supervisor, count=37)  # needs a manager
    with pytest.raises(PlanError) as caught:
        plan_approve(plan=plan, actor=supervisor, reason="Mine.")
    assert caught.value.code == "maker_checker"


def test_an_approver_without_enough_authority_cannot_approve(agent, other_agent, supervisor, manager):
    plan = propose(contact_case(agent), agent, count=2, principal=20)  # needs a manager
    for actor in (other_agent, supervisor):
        with pytest.raises(PlanError):
            plan_approve(plan=plan, actor=actor, reason="Looks fine.")
    assert plan_approve(plan=plan, actor=manager, reason="Hardship documented.").status == PlanStatus.APPROVED


def test_a_rejection_needs_a_reason_and_ends_the_plan(agent, supervisor):
    plan = propose(contact_case(agent), agent, count=24)
    with pytest.raises(PlanError):
        plan_reject(plan=plan, actor=supervisor, reason=" ")
    plan = plan_reject(plan=plan, actor=supervisor, reason="Income does not support it.")
    assert plan.status == PlanStatus.REJECTED
    plan.case.refresh_from_db()
    assert plan.case.stage == Stage.CONTACT  # back where the policy contacts it
    assert AuditRecord.objects.filter(action="plan.rejected", reason="Income does not support it.").exists()
    with pytest.raises(PlanConflict):
        plan_approve(plan=plan, actor=supervisor, reason="Changed my mind.")


def test_a_settlement_must_waive_something_and_a_deferral_is_one_payment(agent):
    case = contact_case(agent)
    with pytest.raises(PlanError):
        propose(case, agent, kind="settlement", count=1)
    with pytest.raises(PlanError):
        propose(case, agent, kind="deferral", count=2)
    plan = propose(case, agent, kind="settlement", count=1, interest=20)
    assert plan.total == Decimal("10195.50") and plan.waived_amount == Decimal("30.00")


def test_the_timeline_shows_each_step_of_a_plan_with_its_reason(agent, supervisor):
    from cases.timeline import case_timeline

    plan = propose(contact_case(agent), agent, count=24)
    plan_approve(plan=plan, actor=supervisor, reason="Affordable.")
    entries = [(e["actor"], e["detail"]) for e in case_timeline(case=plan.case) if e["kind"] == "plan"]
    assert ("supervisor", "Affordable.") in entries and ("agent", "Proposed.") in entries


def test_a_withdrawn_plan_frees_the_case_for_a_new_one(agent):
    case = contact_case(agent)
    plan = plan_cancel(plan=propose(case, agent, count=24), actor=agent, reason="Cardholder wants fewer months.")
    assert plan.status == PlanStatus.CANCELLED
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT
    assert propose(case, agent, count=12).status == PlanStatus.APPROVED


def test_another_agent_cannot_withdraw_someone_elses_plan(agent, team):
    from staff.models import Role
    from tests.factories import staff_user

    colleague = staff_user(Role.AGENT, team, user__username="colleague")
    plan = propose(contact_case(agent), agent, count=24)
    with pytest.raises(PlanError):
        plan_cancel(plan=plan, actor=colleague, reason="Not mine to keep.")


def _planned(case):
    from django.utils import timezone

    from contacts.models import Channel, ScheduledContact
    from visits.models import Visit

    call = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=timezone.now(), rule="T3.call",
                                           idempotency_key=f"{case.pk}:T3.call")
    visit = Visit.objects.create(case=case, origin="escalation", reason="Contact policy: T4.visit", address="上海市",
                                 requested_by_label="system")
    return call, visit


def test_a_plan_awaiting_approval_leaves_planned_contact_and_its_approval_stops_it(agent, supervisor):
    case = contact_case(agent)
    call, visit = _planned(case)
    plan = propose(case, agent, count=24)
    call.refresh_from_db()
    visit.refresh_from_db()
    assert (call.status, visit.status) == ("scheduled", "requested")
    plan_approve(plan=plan, actor=supervisor, reason="Income verified.")
    call.refresh_from_db()
    visit.refresh_from_db()
    assert (call.status, visit.status) == ("cancelled", "cancelled")
    assert call.trail[-1]["cause"] == "plan" and call.trail[-1]["by"] == "supervisor"


def test_a_plan_within_authority_is_approved_at_once_and_stops_contact_in_the_same_step(agent):
    case = contact_case(agent)
    call, visit = _planned(case)
    propose(case, agent, count=12)
    call.refresh_from_db()
    assert call.status == "cancelled" and call.trail[-1]["reason"] == "Cancelled: a repayment plan was agreed."


def test_a_case_with_an_approved_plan_leaves_the_queue(agent):
    from cases.queue import queue_for_agent

    case = contact_case(agent)
    assert case.pk in {c.pk for c in queue_for_agent(user=agent)}
    propose(case, agent, count=12)
    assert case.pk not in {c.pk for c in queue_for_agent(user=agent)}
