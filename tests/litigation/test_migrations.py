"""Cases already in legal when litigation records arrive get their record, as the review now opens it."""

import pytest

from cases.lifecycle import Stage
from tests.factories import CaseFactory
from tests.migrations import latest_schema_after, migrate_to  # noqa: F401 - the fixture, by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("latest_schema_after")]


def test_every_case_in_legal_gets_one_open_record_and_no_other_case_does():
    in_legal, in_contact = CaseFactory(stage=Stage.LEGAL), CaseFactory(stage=Stage.CONTACT)
    migrate_to([("litigation", "0001_litigation_records")])
    new = migrate_to([("litigation", "0002_records_for_cases_already_in_legal")])
    record = new.get_model("litigation", "LitigationRecord")
    [opened] = record.objects.all()
    assert opened.case_id == in_legal.pk and opened.closed_at is None and opened.opened_by_label == "system"
    assert (opened.claim_amount, opened.currency) == (in_legal.total_overdue_value(), "CNY")
    assert not record.objects.filter(case_id=in_contact.pk).exists()
