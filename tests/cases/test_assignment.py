"""cases.assignment: a placed case goes to the least-loaded active agent of a team that assigns by load."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditRecord
from cases.assignment import ASSIGNED_REASON, cases_assign_on_plan
from cases.lifecycle import Outcome, Stage
from core.actors import SYSTEM
from staff.models import Role
from tests.factories import CaseFactory, TeamFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def load_team():
    return TeamFactory(name="东一组 East-1", assigns_by_load=True)


def _open_cases(agent, team, n, stage=Stage.CONTACT):
    for _ in range(n):
        CaseFactory(stage=stage, assigned_team=team, assigned_agent=agent)


def test_each_placed_case_goes_to_the_agent_with_the_fewest_open_cases(load_team):
    busy = staff_user(Role.AGENT, load_team, user__username="busy")
    quiet = staff_user(Role.AGENT, load_team, user__username="quiet")
    _open_cases(busy, load_team, 3)
    _open_cases(quiet, load_team, 1)
    # Closed cases are no load.
    for _ in range(5):
        CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, assigned_team=load_team, assigned_agent=quiet,
                    closed_at="2026-11-01T00:00:00Z")
    placed = [CaseFactory(stage=Stage.PLAN, assigned_team=load_team) for _ in range(4)]

    with CaptureQueriesContext(connection) as queries:
        given = cases_assign_on_plan(case_ids=[c.pk for c in placed], actor=SYSTEM)
    statements = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["WITH", "INSERT"]  # one UPDATE for every case, one INSERT of their audit rows

    # quiet 1 → 2 → 3 (then tied with busy at 3: busy comes first by name) → busy 4, quiet 4.
    assert [given[c.pk] for c in placed] == [quiet.pk, quiet.pk, busy.pk, quiet.pk]
    for case in placed:
        case.refresh_from_db()
        assert case.assigned_agent_id == given[case.pk] and case.assigned_team == load_team
    record = AuditRecord.objects.get(case_id=placed[0].pk, action="case.assigned_by_load")
    assert record.actor_label == SYSTEM and record.reason == ASSIGNED_REASON
    assert record.changes == {"to": {"team": load_team.pk, "agent": quiet.pk}, "open_cases": 1}


def test_ties_go_the_same_way_every_time(load_team):
    staff_user(Role.AGENT, load_team, user__username="bo")
    first = staff_user(Role.AGENT, load_team, user__username="an")
    case = CaseFactory(stage=Stage.PLAN, assigned_team=load_team)
    assert cases_assign_on_plan(case_ids=[case.pk], actor=SYSTEM) == {case.pk: first.pk}


def test_inactive_agents_and_other_roles_get_nothing(load_team):
    gone = staff_user(Role.AGENT, load_team, user__username="gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    staff_user(Role.SUPERVISOR, load_team, user__username="boss")
    staff_user(Role.FIELD_AGENT, load_team, user__username="walker")
    working = staff_user(Role.AGENT, load_team, user__username="working")
    _open_cases(working, load_team, 9)
    case = CaseFactory(stage=Stage.PLAN, assigned_team=load_team)
    assert cases_assign_on_plan(case_ids=[case.pk], actor=SYSTEM) == {case.pk: working.pk}


def test_a_team_without_the_setting_leaves_its_cases_in_the_pool():
    team = TeamFactory(name="南一组 South-1")
    staff_user(Role.AGENT, team, user__username="free")
    case = CaseFactory(stage=Stage.PLAN, assigned_team=team)
    assert cases_assign_on_plan(case_ids=[case.pk], actor=SYSTEM) == {}
    case.refresh_from_db()
    assert case.assigned_team == team and case.assigned_agent is None
    assert not AuditRecord.objects.filter(action="case.assigned_by_load").exists()


def test_a_case_without_a_team_or_with_an_agent_already_is_left_as_it_is(load_team):
    staff_user(Role.AGENT, load_team, user__username="free")
    mine = staff_user(Role.AGENT, load_team, user__username="mine")
    teamless = CaseFactory(stage=Stage.PLAN, assigned_team=None)
    kept = CaseFactory(stage=Stage.PLAN, assigned_team=load_team, assigned_agent=mine)
    moved_on = CaseFactory(stage=Stage.CONTACT, assigned_team=load_team)
    assert cases_assign_on_plan(case_ids=[teamless.pk, kept.pk, moved_on.pk], actor=SYSTEM) == {}
    kept.refresh_from_db()
    assert kept.assigned_agent == mine


def test_a_team_with_no_active_agent_keeps_its_cases_in_the_pool(load_team):
    case = CaseFactory(stage=Stage.PLAN, assigned_team=load_team)
    assert cases_assign_on_plan(case_ids=[case.pk], actor=SYSTEM) == {}
