"""The confirm checks: amounts consistent, a way to reach the cardholder, no dispute open. A case that fails
one records it and is on the exceptions list; a supervisor's fixes are recorded and audited."""

from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditRecord
from cases.confirm import case_account_check_request, case_amounts_confirm, cases_confirm_check, confirm_exceptions
from cases.contact_points import number_mark_wrong
from cases.lifecycle import ConfirmCheck, HoldKind, Stage
from cases.models import CaseNote, ContactPoint, ContactPointKind
from cases.services import case_hold_place
from core.actors import SYSTEM
from core.errors import DomainError, Forbidden
from events.models import Event, EventType
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")


def unreachable_case(**kwargs):
    customer = CustomerFactory(phone="", email="", address="")
    return CaseFactory(account=AccountFactory(customer=customer), **kwargs)


def nothing_overdue(**kwargs):
    return CaseFactory(principal_overdue=ZERO, interest_overdue=ZERO, fees_overdue=ZERO, penalty_overdue=ZERO,
                       **kwargs)


def checked(case) -> list[str]:
    return cases_confirm_check(case_ids=[case.pk])[case.pk]


def test_a_case_with_amounts_a_number_and_no_dispute_passes():
    case = CaseFactory()
    assert checked(case) == []
    case.refresh_from_db()
    assert case.confirm_exceptions == [] and case.confirm_checked_at is not None
    assert not confirm_exceptions().filter(pk=case.pk).exists()


def test_nothing_overdue_fails_the_amounts_check():
    assert checked(nothing_overdue()) == [ConfirmCheck.AMOUNTS]


def test_no_phone_email_or_address_fails_the_contact_point_check():
    assert checked(unreachable_case()) == [ConfirmCheck.CONTACT_POINT]


def test_a_primary_number_reported_wrong_is_no_way_to_reach_the_cardholder(supervisor):
    customer = CustomerFactory(email="", address="")
    case = CaseFactory(account=AccountFactory(customer=customer))
    number_mark_wrong(customer=customer, number=customer.phone, actor=supervisor, reason="Not theirs.")
    assert checked(case) == [ConfirmCheck.CONTACT_POINT]


@pytest.mark.parametrize(("kind", "passes"), [(ContactPointKind.MOBILE, True), (ContactPointKind.HOME, True),
                                              (ContactPointKind.EMERGENCY, False)])
def test_a_usable_point_of_the_cardholders_own_passes_the_contact_point_check(kind, passes):
    case = unreachable_case()
    ContactPoint.objects.create(customer=case.account.customer, kind=kind, phone="13900139000")
    assert checked(case) == ([] if passes else [ConfirmCheck.CONTACT_POINT])


def test_an_open_dispute_fails_the_dispute_check():
    case = CaseFactory()
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="Not my debt.")
    assert checked(case) == [ConfirmCheck.DISPUTE]


def test_each_failed_check_is_listed_and_only_cases_at_confirm_are_checked():
    failing = nothing_overdue(account=AccountFactory(customer=CustomerFactory(phone="", email="", address="")))
    planned = nothing_overdue(stage=Stage.PLAN)
    assert cases_confirm_check(case_ids=[failing.pk, planned.pk]) == {
        failing.pk: [ConfirmCheck.AMOUNTS, ConfirmCheck.CONTACT_POINT]}
    assert list(confirm_exceptions()) == [failing]


def test_the_exceptions_list_is_read_through_its_partial_index():
    nothing_overdue()
    sql, params = confirm_exceptions().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_confirm_exceptions_idx" in plan


def test_a_supervisor_confirms_the_amounts_with_a_note_kept_and_audited(supervisor):
    case = nothing_overdue()
    checked(case)
    case_amounts_confirm(case=case, actor=supervisor, note="The core system reports a zero balance owed by error; "
                                                           "confirmed with finance.")
    case.refresh_from_db()
    assert case.confirm_exceptions == [] and case.amounts_confirmed_by_label == supervisor.username
    assert CaseNote.objects.get(case=case).body.startswith("The core system reports")
    assert AuditRecord.objects.filter(action="case.amounts_confirmed", case_id=case.pk).exists()
    assert checked(case) == []


def test_an_agent_may_not_fix_a_case_waiting_in_confirm(agent):
    case = nothing_overdue()
    with pytest.raises(Forbidden):
        case_amounts_confirm(case=case, actor=agent, note="Fine.")
    with pytest.raises(Forbidden):
        case_account_check_request(case=case, actor=agent, note="Please look.")


def test_a_fix_needs_a_note_and_a_case_still_in_confirm(supervisor):
    with pytest.raises(DomainError):
        case_amounts_confirm(case=nothing_overdue(), actor=supervisor, note="  ")
    with pytest.raises(DomainError):
        case_amounts_confirm(case=nothing_overdue(stage=Stage.PLAN), actor=supervisor, note="Fine.")


def test_asking_the_core_system_to_check_the_account_emits_the_event_with_the_failed_checks(supervisor):
    case = nothing_overdue()
    checked(case)
    case.refresh_from_db()
    case_account_check_request(case=case, actor=supervisor, note="Balance zero but reported delinquent.")
    event = Event.objects.get(case=case, type=EventType.ACCOUNT_CHECK_REQUESTED)
    assert event.payload == {"checks": ["amounts"], "note": "Balance zero but reported delinquent."}
    assert AuditRecord.objects.filter(action="case.account_check_requested", case_id=case.pk).exists()
