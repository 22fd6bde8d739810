from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.errors import OpenCaseExists
from cases.lifecycle import Outcome, Stage
from cases.models import Case
from cases.services import case_open
from core.actors import SYSTEM
from core.errors import DomainError
from tests.factories import AccountFactory, CaseFactory, PaymentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["principal_overdue", "interest_overdue", "fees_overdue", "penalty_overdue"])
def test_the_database_refuses_a_negative_amount(field):
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**{field: Decimal("-0.01")})


def test_the_database_refuses_a_second_open_case_for_an_account():
    first = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(account=first.account)


def test_a_closed_case_does_not_block_a_new_one():
    first = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=timezone.now())
    second = CaseFactory(account=first.account)
    assert second.pk != first.pk


def test_the_database_refuses_an_outcome_on_an_open_case():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(outcome=Outcome.CURED)


def test_the_database_refuses_a_closed_case_without_outcome():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now())


def test_the_database_refuses_a_non_positive_payment():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(amount=Decimal("0"))


def test_case_open_reports_an_existing_open_case_as_a_domain_error():
    existing = CaseFactory()
    with pytest.raises(OpenCaseExists):
        case_open(account=existing.account, overdue_since=timezone.localdate(), amounts={}, actor=SYSTEM,
                  reason="again")
    assert Case.objects.filter(account=existing.account).count() == 1


def test_case_open_refuses_a_negative_amount_before_the_database_sees_it():
    account = AccountFactory()
    with pytest.raises(DomainError, match="negative"):
        case_open(account=account, overdue_since=timezone.localdate(), actor=SYSTEM, reason="r",
                  amounts={"principal_overdue": Decimal("-1")})
    assert not Case.objects.filter(account=account).exists()


def test_the_total_is_the_sum_of_the_parts_in_the_database():
    case = CaseFactory(principal_overdue=Decimal("100.10"), interest_overdue=Decimal("0.20"),
                       fees_overdue=Decimal("3.00"), penalty_overdue=Decimal("0.03"))
    assert Case.objects.get(pk=case.pk).total_overdue == Decimal("103.33")
