"""While an agency works a case, the in-house policy plans no call, visit, letter or SMS for it."""

import datetime as dt

from agencies.models import EndCause
from agencies.services import placements_create, placements_end
from contacts.models import ContactStatus, ScheduledContact
from escalation.services import escalation_pass_run
from tests.escalation.helpers import AS_OF, case_at_dpd, rules_of


def test_the_pass_plans_nothing_for_a_placed_case_and_resumes_when_it_returns(agency, team, supervisor):
    placed = case_at_dpd(40, assigned_team=team, stage="contact")
    in_house = case_at_dpd(40, assigned_team=team, stage="contact")
    placements_create(case_ids=[placed.pk], agency=agency, actor=supervisor, at=AS_OF - dt.timedelta(hours=1))
    escalation_pass_run(as_of=AS_OF)
    assert rules_of(placed) == [] and rules_of(in_house) != []
    placements_end(case_ids=[placed.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor,
                   at=AS_OF + dt.timedelta(minutes=5))
    escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=10))
    assert rules_of(placed) != []


def test_placing_a_case_cancels_its_pending_policy_contacts_at_once(agency, team, supervisor):
    case = case_at_dpd(40, assigned_team=team, stage="contact")
    escalation_pass_run(as_of=AS_OF)
    assert ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED).exists()
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=AS_OF + dt.timedelta(minutes=1))
    assert not ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED).exists()
