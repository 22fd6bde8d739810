import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.errors import HoldError, PaymentConflict
from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import CaseHold, Payment
from cases.selectors import case_active_holds
from cases.services import case_hold_place, case_hold_release, payment_record
from core.errors import DomainError
from tests.factories import AccountFactory, CaseFactory

pytestmark = pytest.mark.django_db


def test_a_hold_is_active_until_released_and_the_row_stays(agent, supervisor):
    case = CaseFactory()
    hold = case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=agent, reason="cardholder disputes fees")
    assert list(case_active_holds(case=case)) == [hold]

    case_hold_release(hold=hold, actor=supervisor, reason="dispute resolved")

    assert not case_active_holds(case=case).exists()
    hold.refresh_from_db()
    assert (hold.placed_by_label, hold.released_by_label, hold.release_reason) == (
        "agent", "supervisor", "dispute resolved")


def test_one_active_hold_per_kind(agent):
    case = CaseFactory()
    case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=agent, reason="first")
    with pytest.raises(HoldError):
        case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=agent, reason="second")
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=agent, reason="another kind is fine")
    assert CaseHold.objects.filter(case=case).count() == 2


def test_a_released_hold_cannot_be_released_again(agent):
    hold = case_hold_place(case=CaseFactory(), kind=HoldKind.DECEASED, actor=agent, reason="notified",
                           evidence_reference="DC-1")
    case_hold_release(hold=hold, actor=agent, reason="wrong person")
    with pytest.raises(HoldError):
        case_hold_release(hold=hold, actor=agent, reason="again")


def test_a_closed_case_cannot_be_put_on_hold(agent):
    case = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=timezone.now())
    with pytest.raises(HoldError):
        case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=agent, reason="late")


def test_a_payment_is_recorded_once_and_linked_to_the_open_case():
    case = CaseFactory()
    paid_at = timezone.now() - dt.timedelta(hours=1)
    first, created = payment_record(account=case.account, transaction_id="TX1", amount=Decimal("12.34"),
                                    currency="CNY", paid_at=paid_at)
    again, created_again = payment_record(account=case.account, transaction_id="TX1", amount=Decimal("12.34"),
                                          currency="CNY", paid_at=paid_at)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and first.case == case
    assert Payment.objects.count() == 1


def test_the_same_transaction_id_with_other_details_is_a_conflict():
    account = AccountFactory()
    payment_record(account=account, transaction_id="TX2", amount=Decimal("10.00"), currency="CNY",
                   paid_at=timezone.now())
    with pytest.raises(PaymentConflict):
        payment_record(account=account, transaction_id="TX2", amount=Decimal("11.00"), currency="CNY",
                       paid_at=timezone.now())


@pytest.mark.parametrize(("amount", "currency"), [(Decimal("0"), "CNY"), (Decimal("-5"), "CNY"),
                                                  (Decimal("5"), "USD"), (5.0, "CNY")])
def test_a_payment_must_be_a_positive_decimal_in_the_account_currency(amount, currency):
    with pytest.raises(DomainError):
        payment_record(account=AccountFactory(), transaction_id="TX3", amount=amount, currency=currency,
                       paid_at=timezone.now())
    assert not Payment.objects.exists()
