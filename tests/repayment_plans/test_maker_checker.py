"""Maker-checker recorded honestly: an approval within the proposer's own authority names the proposer and is
nobody else's check; four eyes sends every plan to a second person; the database holds both to it."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditRecord
from repayment_plans.models import SECOND_PERSON_APPROVALS, ApprovalKind, PlanDecision, PlanStatus, RepaymentPlan
from repayment_plans.plans import PlanError, plan_approve, plan_may_approve
from staff.models import StaffProfile
from tests.repayment_plans.helpers import contact_case, propose

pytestmark = pytest.mark.django_db


def test_a_plan_within_the_proposers_authority_is_approved_as_such_and_names_them(agent):
    plan = propose(contact_case(agent), agent, count=12)
    plan.refresh_from_db()
    assert (plan.status, plan.approval_kind, plan.decided_by, plan.within_proposer_authority) == (
        PlanStatus.APPROVED, ApprovalKind.WITHIN_OWN_AUTHORITY, agent, True)
    assert plan.decided_at is not None and not plan.approved_by_second_person
    decision = PlanDecision.objects.get(plan=plan, to_status=PlanStatus.APPROVED)
    assert (decision.actor, decision.approval_kind) == (agent, ApprovalKind.WITHIN_OWN_AUTHORITY)
    assert AuditRecord.objects.get(action="plan.approved", object_id=str(plan.pk)).changes["approval_kind"] == (
        ApprovalKind.WITHIN_OWN_AUTHORITY)


def test_a_second_persons_approval_is_recorded_as_one(agent, supervisor):
    plan = plan_approve(plan=propose(contact_case(agent), agent, count=24), actor=supervisor, reason="Affordable.")
    plan.refresh_from_db()
    assert (plan.approval_kind, plan.decided_by, plan.within_proposer_authority) == (
        ApprovalKind.SECOND_PERSON, supervisor, False)
    assert plan.approved_by_second_person
    assert PlanDecision.objects.get(plan=plan, to_status=PlanStatus.APPROVED).approval_kind == (
        ApprovalKind.SECOND_PERSON)


def test_within_own_authority_never_counts_as_a_second_persons_approval(agent, supervisor):
    propose(contact_case(agent), agent, count=12)
    plan_approve(plan=propose(contact_case(agent), agent, count=24), actor=supervisor, reason="Affordable.")
    assert RepaymentPlan.objects.filter(approval_kind__in=SECOND_PERSON_APPROVALS).count() == 1
    assert ApprovalKind.WITHIN_OWN_AUTHORITY not in SECOND_PERSON_APPROVALS


def test_four_eyes_sends_even_the_smallest_plan_to_a_second_person(settings, agent, other_agent, supervisor):
    settings.PLANS_NEED_SECOND_PERSON = True
    plan = propose(contact_case(agent), agent, kind="deferral", count=1)
    assert (plan.status, plan.within_proposer_authority, plan.required_role) == (
        PlanStatus.PENDING_APPROVAL, True, "supervisor")
    assert plan.approval_kind == "" and plan.decided_by is None
    assert not plan_may_approve(plan=plan, user=agent) and not plan_may_approve(plan=plan, user=other_agent)
    with pytest.raises(PlanError) as caught:
        plan_approve(plan=plan, actor=agent, reason="Mine and small.")
    assert caught.value.code == "maker_checker"
    plan = plan_approve(plan=plan, actor=supervisor, reason="Checked.")
    assert (plan.approval_kind, plan.decided_by) == (ApprovalKind.SECOND_PERSON, supervisor)


def test_four_eyes_holds_a_supervisor_to_another_supervisor(settings, team, supervisor):
    from staff.models import Role
    from tests.factories import staff_user

    settings.PLANS_NEED_SECOND_PERSON = True
    colleague = staff_user(Role.SUPERVISOR, team, user__username="colleague")
    plan = propose(contact_case(supervisor), supervisor, count=24)
    assert plan.status == PlanStatus.PENDING_APPROVAL and not plan_may_approve(plan=plan, user=supervisor)
    assert plan_approve(plan=plan, actor=colleague, reason="Checked.").approval_kind == ApprovalKind.SECOND_PERSON


def test_the_database_refuses_an_approval_that_misnames_who_checked(agent, supervisor):
    own = propose(contact_case(agent), agent, count=12)
    with pytest.raises(IntegrityError, match="plan_own_authority_names_the_proposer"), transaction.atomic():
        RepaymentPlan.objects.filter(pk=own.pk).update(decided_by=None)
    checked = plan_approve(plan=propose(contact_case(agent), agent, count=24), actor=supervisor, reason="Fine.")
    with pytest.raises(IntegrityError, match="plan_second_person_is_not_the_proposer"), transaction.atomic():
        RepaymentPlan.objects.filter(pk=checked.pk).update(decided_by=agent)
    with pytest.raises(IntegrityError, match="plan_second_person_is_not_the_proposer"), transaction.atomic():
        RepaymentPlan.objects.filter(pk=own.pk).update(approval_kind=ApprovalKind.SECOND_PERSON)


def test_the_approvals_screen_says_whether_a_plan_is_within_its_proposers_authority(
        client, settings, agent, supervisor):
    settings.PLANS_NEED_SECOND_PERSON = True
    small = propose(contact_case(agent), agent, count=6)
    large = propose(contact_case(agent), agent, count=24)
    client.force_login(supervisor)
    body = client.get(reverse("repayment_plans:approvals")).content.decode()
    row = lambda plan: body[body.index(f'id="approval-{plan.pk}"'):].split("</tr>")[0]  # noqa: E731
    assert "Within the proposer" in row(small) and "four eyes" in row(small)
    assert "Beyond the proposer" in row(large) and "Supervisor" in row(large)
    StaffProfile.objects.filter(user=supervisor).update(language="zh-hans")
    body = client.get(reverse("repayment_plans:approvals")).content.decode()
    assert "在提出人权限范围内：须第二人复核（四眼原则）" in row(small)
    assert "超出提出人权限：须由主管审批" in row(large)
