"""The lifecycle's migrations: cases closed with the retired outcome `legal` reopen at the legal stage, and
open cases move to the stage their contacts imply (plan until the first contact made, then contact)."""

import pytest
from django.db import connection
from django.utils import timezone

from cases.lifecycle import Stage
from cases.services import payment_record  # noqa: F401 - the app's services load with its models
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from tests.factories import AccountFactory, CaseFactory
from tests.migrations import latest_schema_after, migrate_to  # noqa: F401 - the fixture, by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("latest_schema_after")]

BEFORE_LEGAL = [("cases", "0015_payment_reversals_recoveries_and_measure_requests")]
AFTER_LEGAL = [("cases", "0016_confirm_checks_and_litigation_as_a_stage")]
BEFORE_STAGES = [("escalation", "0011_card_measures_schedule")]
AFTER_STAGES = [("escalation", "0012_stages_follow_the_first_contact")]


def _set(case, **columns):
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE cases_case SET {assignments} WHERE id = %s", [*columns.values(), case.pk])  # noqa: S608


def test_a_case_closed_as_legal_reopens_at_the_legal_stage_with_history_and_event():
    case, cured = CaseFactory(), CaseFactory()
    old = migrate_to(BEFORE_LEGAL)
    _set(case, stage="closed", outcome="legal", closed_at=timezone.now())
    _set(cured, stage="closed", outcome="cured", closed_at=timezone.now())

    new = migrate_to(AFTER_LEGAL)
    Case = new.get_model("cases", "Case")
    reopened = Case.objects.get(pk=case.pk)
    assert (reopened.stage, reopened.outcome, reopened.closed_at) == (Stage.LEGAL, "", None)
    assert Case.objects.get(pk=cured.pk).outcome == "cured"
    history = new.get_model("cases", "StageHistory").objects.get(case_id=case.pk)
    assert (history.from_stage, history.to_stage, history.actor_id, history.actor_label) == (
        "closed", "legal", None, "system")
    assert "retired outcome" in history.reason
    event = new.get_model("events", "Event").objects.get(case_id=case.pk, type="case.stage_changed")
    assert (event.payload["from"], event.payload["to"]) == ("closed", "legal")
    assert event.account_number == case.account.account_number
    assert old is not None


def test_a_legal_case_whose_account_has_another_open_case_stops_the_migration_naming_it():
    account = AccountFactory()
    closed = CaseFactory(account=account)
    old = migrate_to(BEFORE_LEGAL)
    _set(closed, stage="closed", outcome="legal", closed_at=timezone.now())
    later = old.get_model("cases", "Case").objects.create(  # opened later, still open
        account_id=account.pk, currency="CNY", principal_overdue=100, overdue_since=timezone.localdate())
    with pytest.raises(RuntimeError, match=str(closed.pk)):
        migrate_to(AFTER_LEGAL)
    _set(later, stage="closed", outcome="recalled", closed_at=timezone.now())  # settled as the runbook says
    assert migrate_to(AFTER_LEGAL).get_model("cases", "Case").objects.get(pk=closed.pk).stage == "legal"


def _attempt(case):
    return ContactAttempt.objects.create(
        case=case, customer_id=case.account.customer_id, channel=Channel.CALL, result=AttemptResult.NO_ANSWER,
        occurred_at=timezone.now(), logged_at=timezone.now(), actor_label="agent", verdict={"allowed": True})


def _sent(case):
    return ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=timezone.now(),
                                           status=ContactStatus.SENT, sent_at=timezone.now(),
                                           idempotency_key=f"{case.pk}:sms")


def test_open_cases_move_to_the_stage_their_contacts_imply():
    scheduled_only, sent, called, fresh, negotiating = (CaseFactory() for _ in range(5))
    ScheduledContact.objects.create(case=scheduled_only, channel=Channel.SMS, due_at=timezone.now(),
                                    status=ContactStatus.SCHEDULED, idempotency_key="x:sms")
    _sent(sent)
    _attempt(called)
    _attempt(negotiating)
    migrate_to(BEFORE_STAGES)
    _set(scheduled_only, stage="contact")  # moved by the old pass when it scheduled its first contact
    _set(sent, stage="plan")
    _set(called, stage="confirm")
    _set(negotiating, stage="negotiate")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM escalation_escalationpending")

    new = migrate_to(AFTER_STAGES)
    Case = new.get_model("cases", "Case")
    stages = dict(Case.objects.filter(pk__in=[c.pk for c in (scheduled_only, sent, called, fresh, negotiating)])
                  .values_list("pk", "stage"))
    assert stages == {scheduled_only.pk: "plan", sent.pk: "contact", called.pk: "contact", fresh.pk: "confirm",
                      negotiating.pk: "negotiate"}
    History = new.get_model("cases", "StageHistory")
    back = History.objects.get(case_id=scheduled_only.pk, from_stage="contact")
    assert (back.to_stage, back.actor_label) == ("plan", "system") and "No contact made yet" in back.reason
    assert History.objects.get(case_id=called.pk, from_stage="confirm").to_stage == "contact"
    assert not History.objects.filter(case_id__in=[fresh.pk, negotiating.pk], from_stage__in=["confirm", "negotiate"])\
        .exists()
    Event = new.get_model("events", "Event")
    assert Event.objects.filter(case_id=sent.pk, type="case.stage_changed", payload__to="contact").count() == 1
    # The case left at confirm is checked by the next pass.
    pending = new.get_model("escalation", "EscalationPending")
    assert set(pending.objects.values_list("case_id", flat=True)) == {fresh.pk}
