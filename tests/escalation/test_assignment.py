"""The pass's plan stage assigns: a team that assigns by load gets its new case given to an agent; otherwise the
case waits in the team's pool for Next case."""

import pytest

from cases.lifecycle import Stage
from cases.queue import queue_claim_next
from contacts.models import Channel, ContactStatus, ScheduledContact
from escalation.services import escalation_pass_run
from staff.models import Role
from tests.escalation.helpers import AS_OF, case_at_dpd
from tests.factories import CaseFactory, staff_user


@pytest.mark.django_db
def test_the_pass_gives_a_placed_case_to_the_least_loaded_agent_of_a_team_that_assigns_by_load(team, agent):
    team.assigns_by_load = True
    team.save(update_fields=["assigns_by_load"])
    quieter = staff_user(Role.AGENT, team, user__username="quieter")
    CaseFactory(stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent)
    case = case_at_dpd(20, assigned_team=team)
    summary = escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    assert summary.moved_to_plan >= 1
    assert (case.stage, case.assigned_team, case.assigned_agent) == (Stage.PLAN, team, quieter)
    # The first call task, scheduled in the same chunk, is the agent's to work, not the team's pool's.
    calls = ScheduledContact.objects.filter(case=case, channel=Channel.CALL, status=ContactStatus.SCHEDULED)
    assert calls.exists()
    assert {task.assigned_to for task in calls} == {quieter}


@pytest.mark.django_db
def test_without_the_setting_the_placed_case_waits_in_the_teams_pool_for_next_case(team, agent):
    case = case_at_dpd(20, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    assert (case.stage, case.assigned_team, case.assigned_agent) == (Stage.PLAN, team, None)
    assert queue_claim_next(user=agent, as_of=AS_OF) == case


@pytest.mark.django_db
def test_the_case_page_plan_panel_shows_the_agent_or_the_pool(client, team, agent, supervisor):
    pooled = case_at_dpd(20, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    team.assigns_by_load = True
    team.save(update_fields=["assigns_by_load"])
    given = case_at_dpd(21, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    client.force_login(supervisor)
    page = client.get(f"/cases/{pooled.pk}/").content.decode()
    assert '<dd id="plan-agent">In the team\'s pool: its agents take it with Next case.</dd>' in page
    page = client.get(f"/cases/{given.pk}/").content.decode()
    assert '<dd id="plan-agent">agent · assigned by load</dd>' in page
