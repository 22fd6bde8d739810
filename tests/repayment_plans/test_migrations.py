"""The migration that records approvals honestly also mends the plans approved before it: a plan approved
within its proposer's authority gets its decided_by, and a supervisor's approval is a second person's."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import CaseFactory
from tests.migrations import latest_schema_after, migrate_to  # noqa: F401 - the fixture, by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("latest_schema_after")]

BEFORE = [("repayment_plans", "0006_instalment_reminder_schedule")]
AFTER = [("repayment_plans", "0008_plans_within_the_law_constraints")]


def test_existing_approvals_are_recorded_for_what_they_were(agent, supervisor):
    case, other_case = CaseFactory(), CaseFactory()
    old = migrate_to(BEFORE)
    plan_model, decision_model = old.get_model("repayment_plans", "RepaymentPlan"), old.get_model(
        "repayment_plans", "PlanDecision")
    proposed_at = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 1 December in Shanghai
    fields = {"kind": "instalments", "status": "approved", "currency": "CNY", "owed_principal": Decimal("100"),
              "owed_interest": Decimal("0"), "owed_fees": Decimal("0"), "owed_penalty": Decimal("0"),
              "waived_amount": Decimal("0"), "total": Decimal("100"), "instalment_count": 2,
              "first_due_date": dt.date(2027, 1, 1), "months": 2, "proposed_by_id": agent.pk,
              "proposed_by_label": "agent", "proposed_at": proposed_at, "decided_at": proposed_at}
    own = plan_model.objects.create(case_id=case.pk, required_role="", **fields)
    decision_model.objects.create(plan=own, from_status="pending_approval", to_status="approved",
                                  actor_id=agent.pk, actor_label="agent", reason="Within the proposer's authority.")
    checked = plan_model.objects.create(case_id=other_case.pk, required_role="supervisor",
                                        decided_by_id=supervisor.pk, **fields)
    decision_model.objects.create(plan=checked, from_status="pending_approval", to_status="approved",
                                  actor_id=supervisor.pk, actor_label="supervisor", reason="Fine.")
    assert own.decided_by_id is None

    new = migrate_to(AFTER)
    plan_model, decision_model = new.get_model("repayment_plans", "RepaymentPlan"), new.get_model(
        "repayment_plans", "PlanDecision")
    own, checked = plan_model.objects.get(pk=own.pk), plan_model.objects.get(pk=checked.pk)
    assert (own.approval_kind, own.decided_by_id, own.within_proposer_authority) == (
        "within_own_authority", agent.pk, True)
    assert (checked.approval_kind, checked.decided_by_id, checked.within_proposer_authority) == (
        "second_person", supervisor.pk, False)
    assert own.proposed_on == dt.date(2026, 12, 1)  # the proposal's day in the cardholder's zone
    assert decision_model.objects.get(plan_id=own.pk, to_status="approved").approval_kind == "within_own_authority"


def test_the_migration_names_a_plan_already_past_60_months_instead_of_failing_on_a_row(agent):
    case = CaseFactory()
    old = migrate_to(BEFORE)
    long_plan = old.get_model("repayment_plans", "RepaymentPlan").objects.create(
        case_id=case.pk, kind="instalments", status="active", currency="CNY", owed_principal=Decimal("100"),
        owed_interest=Decimal("0"), owed_fees=Decimal("0"), owed_penalty=Decimal("0"), waived_amount=Decimal("0"),
        total=Decimal("100"), instalment_count=95, first_due_date=dt.date(2027, 1, 1), months=95,
        proposed_by_label="agent", proposed_at=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC))
    migrate_to([("repayment_plans", "0007_plans_within_the_law")])
    with pytest.raises(RuntimeError, match=rf"Repayment plans \[{long_plan.pk}\] run past the 60 months"):
        migrate_to(AFTER)
    # Cancelled and re-proposed, say: the way forward is open again.
    old.get_model("repayment_plans", "RepaymentPlan").objects.filter(pk=long_plan.pk).delete()
    migrate_to(AFTER)
