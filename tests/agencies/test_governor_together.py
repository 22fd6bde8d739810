"""In-house and agency contacts count together: the governor counts per cardholder, whoever called."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from agencies.services import placements_create
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
from tests.factories import AccountFactory, CaseFactory


def test_the_agencys_call_after_three_in_house_calls_that_day_is_a_breach(agency, agency_agent, agent, team,
                                                                           supervisor):
    in_house = CaseFactory(assigned_team=team, stage="contact")
    placed = CaseFactory(assigned_team=team, stage="contact",
                         account=AccountFactory(customer=in_house.account.customer))
    placements_create(case_ids=[placed.pk], agency=agency, actor=supervisor)
    morning = (timezone.now().astimezone(ZoneInfo("Asia/Shanghai")) - dt.timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0)
    for hour in range(3):
        attempt = contact_attempt_log(case=in_house, channel=Channel.CALL, actor=agent,
                                      result=AttemptResult.NO_ANSWER, occurred_at=morning + dt.timedelta(hours=hour))
        assert not attempt.breached_rules
    agency_call = contact_attempt_log(case=placed, channel=Channel.CALL, actor=agency_agent,
                                      result=AttemptResult.NO_ANSWER, occurred_at=morning + dt.timedelta(hours=4))
    assert agency_call.breached_rules
