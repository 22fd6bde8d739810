import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import Stage
from contacts.models import AttemptResult, Channel
from contacts.services import Recording, contact_attempt_log
from tests.escalation.helpers import SH
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

LATE = dt.datetime(2026, 11, 30, 22, 30, tzinfo=SH)  # after 21:00: outside contact hours
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


@pytest.fixture
def cardholder_case(team, agent):
    customer = CustomerFactory(external_id="C-778899", name="王小明", national_id="310101199001011234",
                               phone="13800138000", address="上海市浦东新区世纪大道100号")
    return CaseFactory(account=AccountFactory(customer=customer, account_number="6222020200112233"),
                       stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent,
                       principal_overdue=Decimal("12000.00"), overdue_since=dt.date(2026, 11, 10))


@pytest.fixture
def breach(cardholder_case, agent):
    """A call made at 22:30 in the cardholder's zone, with its recording: a breach of the hours rule."""
    return contact_attempt_log(case=cardholder_case, channel=Channel.CALL, actor=agent,
                               result=AttemptResult.NO_ANSWER, occurred_at=LATE, now=LATE,
                               recording=Recording(ref="REC-2026-0042", sha256="ab" * 32))
