"""A case that closes another way (cured, settled, recalled, written off) leaves nothing waiting in
negotiation: a write-off awaiting approval is withdrawn with a reason, and pending promises end."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from audit.models import AuditRecord
from cases.ingest import PaymentReport, Recall, accounts_recall, payments_ingest
from cases.lifecycle import Outcome, Stage
from cases.services import case_transition, cases_transition_bulk
from cases.timeline import case_timeline
from core.actors import CORE_SYSTEM, SYSTEM
from repayment_plans.closing import WITHDRAWN_ON_CLOSE
from repayment_plans.models import Promise, PromiseStatus, WriteOffStatus
from repayment_plans.promises import promise_take, promises_evaluate
from repayment_plans.write_offs import write_off_approve, write_off_propose
from tests.repayment_plans.helpers import contact_case

pytestmark = pytest.mark.django_db

LARGE = {"principal_overdue": Decimal("50000.00")}  # beyond a supervisor's write-off limit: it waits


def _promise(case, agent, amount="500.00", days=5):
    now = timezone.now()
    return promise_take(case=case, amount=Decimal(amount), due_date=timezone.localdate() + dt.timedelta(days=days),
                        channel="call", actor=agent, at=now)


def test_a_recall_withdraws_the_waiting_write_off_and_cancels_the_pending_promise(supervisor, agent):
    case = contact_case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    assert write_off.status == WriteOffStatus.PENDING_APPROVAL
    promise = _promise(case, agent)

    [outcome] = accounts_recall(recalls=[Recall(case.account.account_number, "sold", timezone.now())])
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.RECALLED)
    write_off.refresh_from_db()
    assert write_off.status == WriteOffStatus.WITHDRAWN
    assert write_off.decision_reason == WITHDRAWN_ON_CLOSE % {"outcome": "Recalled by the core system"}
    assert write_off.decided_by_label == CORE_SYSTEM and write_off.decided_at == case.closed_at
    record = AuditRecord.objects.get(action="write_off.withdrawn_on_close")
    assert (record.object_id, record.case_id, record.changes) == (str(write_off.pk), case.pk, {"outcome": "recalled"})
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED and promise.evaluated_at == case.closed_at
    # Nothing breaks later on the closed case.
    assert promises_evaluate(at=timezone.now() + dt.timedelta(days=30))[PromiseStatus.BROKEN] == 0
    with translation.override("zh-hans"):
        texts = [(entry["text"], entry["detail"]) for entry in case_timeline(case=case)]
    assert (f"核销 #{write_off.pk}：已撤回", "已撤回：案件已结案（核心系统撤回）。") in texts
    assert any(detail == "已取消：案件已结案。" for _text, detail in texts)


def test_the_core_systems_cure_cancels_a_promise_the_money_did_not_keep(supervisor, agent):
    case = contact_case(supervisor)
    promise = _promise(case, agent)
    case.refresh_from_db()  # in follow-up, waiting for the promised money
    cases_transition_bulk(cases=[case], to=Stage.CLOSED, outcome=Outcome.CURED, actor=CORE_SYSTEM,
                          reason="The core system reports nothing overdue.")
    case.refresh_from_db()
    assert case.outcome == Outcome.CURED
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED


def test_a_payment_in_full_keeps_the_promise_rather_than_cancelling_it(supervisor, agent):
    case = contact_case(supervisor)
    promise = _promise(case, agent, amount="100.00")
    paid_at = timezone.now()
    payments_ingest(reports=[PaymentReport(transaction_id="TX-CLOSE-1", account_number=case.account.account_number,
                                           amount=case.total_overdue, currency="CNY", paid_at=paid_at)], now=paid_at)
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.CURED)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.paid_amount == case_paid(case)


def case_paid(case):
    from cases.models import Payment

    return sum(Payment.objects.filter(case=case).values_list("amount", flat=True), Decimal("0"))


def test_writing_the_case_off_cancels_its_pending_promise_and_keeps_its_own_approval(supervisor, manager, agent):
    case = contact_case(supervisor, **LARGE)
    promise = _promise(case, agent)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    write_off_approve(write_off=write_off, actor=manager, reason="Agreed.")
    write_off.refresh_from_db()
    assert write_off.status == WriteOffStatus.APPROVED
    assert not AuditRecord.objects.filter(action="write_off.withdrawn_on_close").exists()
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.CANCELLED


def test_a_stop_that_is_not_a_closing_leaves_promises_and_write_offs_alone(supervisor, agent):
    case = contact_case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    case = case_transition(case=case, to=Stage.NEGOTIATE, actor=SYSTEM, reason="Talking.")
    from cases.contact_stops import StopCause, cases_contact_stop

    cases_contact_stop(case_ids=[case.pk], cause=StopCause.HOLD, actor=SYSTEM)
    write_off.refresh_from_db()
    assert write_off.status == WriteOffStatus.PENDING_APPROVAL
