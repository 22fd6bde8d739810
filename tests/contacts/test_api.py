import datetime as dt

import pytest
from rest_framework.test import APIClient

from cases.lifecycle import Stage
from contacts.models import AttemptResult, Channel
from contacts.selectors import case_contacts_view
from contacts.services import Recording, contact_attempt_log, contact_exception_grant
from escalation.policy import policies_in_force
from escalation.services import escalation_pass_run
from tests.escalation.helpers import AS_OF, SH, case_at_dpd


@pytest.fixture
def case(team):
    return case_at_dpd(35, assigned_team=team)


@pytest.mark.django_db
def test_the_view_lists_contacts_oldest_first_with_version_rule_and_trail(case, agent, supervisor):
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=AS_OF + dt.timedelta(hours=1), now=AS_OF + dt.timedelta(hours=1),
                        number=case.account.customer.phone,
                        scheduled_contact=case.scheduled_contacts.get(rule="T3.call"))
    escalation_pass_run(as_of=AS_OF + dt.timedelta(days=1))  # the worked call task makes way for the next
    late = dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH)
    contact_exception_grant(case=case, actor=supervisor, reason="Asked to be called late.", valid_from=late, now=late)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.RIGHT_PARTY,
                        occurred_at=late, now=late, delinquency_reason="forgot",
                        recording=Recording(ref="CALL-77", sha256="a" * 64, keep_until=dt.date(2030, 1, 1)))
    view = case_contacts_view(case=case)
    due = [row["due_at"] for row in view["results"]]
    assert due == sorted(due) and len(due) == 3
    first = view["results"][0]
    assert set(first) >= {"id", "channel", "due_at", "status", "policy_version", "rule", "trail"}
    assert first["policy_version"]["number"] == policies_in_force(as_of=late).champion.number
    assert first["rule"] in ("T3.call", "T3.notice_letter")
    assert first["trail"][0]["passed"]
    no_answer, excepted = view["attempts"]
    assert no_answer["number"] == "****" + case.account.customer.phone[-4:] and no_answer["verdict"]["allowed"] is True
    assert no_answer["direction"] == "outbound" and no_answer["breach"] is False
    assert excepted["exception"]["by"] == "supervisor" and excepted["exception"]["reason"] == "Asked to be called late."
    assert excepted["breach"] is False and excepted["verdict"]["failed"][0]["rule"] == "hours"
    assert excepted["recording"] == {"ref": "CALL-77", "sha256": "a" * 64, "keep_until": "2030-01-01"}
    assert dt.datetime.fromisoformat(excepted["occurred_at"]) == late and excepted["delinquency_reason"] == "forgot"


@pytest.mark.django_db
def test_staff_who_see_the_case_get_its_contacts(case, agent):
    escalation_pass_run(as_of=AS_OF)
    client = APIClient()
    client.force_authenticate(agent)
    response = client.get(f"/api/v1/cases/{case.pk}/contacts/")
    assert response.status_code == 200
    assert {row["rule"] for row in response.json()["results"]} == {"T3.call", "T3.notice_letter"}
    assert response.json()["attempts"] == []


@pytest.mark.django_db
def test_staff_of_another_team_get_not_found(case, other_agent):
    client = APIClient()
    client.force_authenticate(other_agent)
    assert client.get(f"/api/v1/cases/{case.pk}/contacts/").status_code == 404


@pytest.mark.django_db
def test_anonymous_requests_are_refused(case):
    assert APIClient().get(f"/api/v1/cases/{case.pk}/contacts/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_case_without_contacts_has_empty_lists(team):
    case = case_at_dpd(0, assigned_team=team, stage=Stage.CONFIRM)
    assert case_contacts_view(case=case) == {"results": [], "attempts": []}


@pytest.mark.django_db
def test_the_api_shows_the_policy_call_task_answered_by_a_call_logged_without_naming_it(team, agent):
    case = case_at_dpd(20, assigned_team=team)  # T2: one call task
    escalation_pass_run(as_of=AS_OF)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.LEFT_MESSAGE,
                        occurred_at=AS_OF + dt.timedelta(hours=1),
                        now=AS_OF + dt.timedelta(hours=1), number=case.account.customer.phone)
    client = APIClient()
    client.force_authenticate(agent)
    body = client.get(f"/api/v1/cases/{case.pk}/contacts/").json()
    (task,) = [row for row in body["results"] if row["rule"] == "T2.call"]
    (attempt,) = body["attempts"]
    assert task["status"] == "done" and attempt["scheduled_contact"] == task["id"]
    assert task["trail"][-1]["attempt"] == attempt["id"]
