import pytest

from cases.models import Account, Case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_any_finds_the_rows_whose_value_is_in_the_list():
    first, second, _third = CaseFactory(), CaseFactory(), CaseFactory()

    assert set(Case.objects.filter(pk__any=[first.pk, second.pk, None])) == {first, second}
    assert set(Case.objects.filter(account_id__any=[second.account_id])) == {second}
    assert list(Account.objects.filter(account_number__any=[first.account.account_number]).values_list(
        "pk", flat=True)) == [first.account_id]


def test_any_of_an_empty_list_finds_nothing():
    CaseFactory()
    assert not Case.objects.filter(pk__any=[]).exists()
    assert Case.objects.exclude(pk__any=[]).count() == 1
