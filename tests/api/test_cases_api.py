import datetime as dt

import pytest
from rest_framework.test import APIClient

from cases.lifecycle import HoldKind, Stage
from cases.services import case_hold_place, case_transition
from core.actors import SYSTEM
from tests.api.conftest import AS_OF, NOW
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_case_reads_with_stage_amounts_dpd_bucket_agent_holds_and_timeline(reader, agent, team):
    case = CaseFactory(account__account_number="6222000000000042", assigned_team=team, assigned_agent=agent,
                       overdue_since=(NOW - dt.timedelta(days=35)).date())
    case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="first call")
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="disputed charge")

    body = reader.get(f"/api/v1/cases/{case.pk}/").json()

    assert body["stage"] == "contact" and body["outcome"] == ""
    assert body["account_number"] == "6222000000000042"
    assert body["amounts"] == {"currency": "CNY", "principal_overdue": "10000.00", "interest_overdue": "150.00",
                               "fees_overdue": "50.00", "penalty_overdue": "25.50", "total_overdue": "10225.50"}
    assert (body["dpd"], body["bucket"]) == (case.dpd(NOW), "M2")
    assert (body["agent"], body["team"]) == ("agent", team.name)
    assert [h["kind"] for h in body["holds"]] == ["dispute"]
    assert body["next_action"] is None
    assert [(t["from_stage"], t["to_stage"], t["reason"]) for t in body["timeline"]] == [
        ("confirm", "contact", "first call")]
    assert dt.datetime.fromisoformat(body["updated_at"]).tzinfo is not None


def test_cases_filter_by_account_stage_bucket_outcome_team_agent_and_updated_since(reader, agent, team, other_team):
    mine = CaseFactory(assigned_team=team, assigned_agent=agent, overdue_since=(NOW - dt.timedelta(days=5)).date())
    other = CaseFactory(assigned_team=other_team, overdue_since=(NOW - dt.timedelta(days=70)).date())
    case_transition(case=other, to=Stage.CLOSED, outcome="recalled", actor=SYSTEM, reason="recalled")

    def ids(**params):
        response = reader.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [mine.pk, other.pk]
    assert ids(account_number=mine.account.account_number) == [mine.pk]
    assert ids(stage="closed") == [other.pk]
    assert ids(bucket="M1") == [mine.pk] and ids(bucket="M3") == [other.pk]
    assert ids(outcome="recalled") == [other.pk]
    assert ids(team=team.pk) == [mine.pk]
    assert ids(agent="agent") == [mine.pk]
    assert ids(updated_since=(AS_OF + dt.timedelta(days=3650)).isoformat()) == []


def test_cases_page_with_a_cursor(reader):
    cases = [CaseFactory() for _ in range(5)]
    seen, url = [], "/api/v1/cases/?limit=2"
    while url:
        body = reader.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [case.pk for case in cases]


def test_a_bad_filter_is_a_400_naming_the_parameter(reader):
    response = reader.get("/api/v1/cases/", {"stage": "nowhere"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "stage"


def test_staff_read_cases_through_their_session_and_only_those_they_may_see(agent, team, other_team):
    visible = CaseFactory(assigned_team=team)
    hidden = CaseFactory(assigned_team=other_team)
    client = session(agent)

    assert [row["id"] for row in client.get("/api/v1/cases/").json()["results"]] == [visible.pk]
    assert client.get(f"/api/v1/cases/{visible.pk}/").status_code == 200
    response = client.get(f"/api/v1/cases/{hidden.pk}/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_a_login_without_a_staff_profile_may_not_read_cases(outsider):
    CaseFactory()
    assert session(outsider).get("/api/v1/cases/").status_code == 403


def test_staff_sessions_do_not_read_the_event_feed(manager):
    assert session(manager).get("/api/v1/events/").status_code == 403


def test_an_unknown_case_is_404(reader):
    response = reader.get("/api/v1/cases/999999/")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "code": "not_found",
                                           "message": response.json()["errors"][0]["message"]}]}


def test_a_written_off_case_reads_with_what_was_written_off_by_part(reader, team, supervisor):
    from repayment_plans.write_offs import write_off_propose

    case = case_transition(case=CaseFactory(assigned_team=team), to=Stage.CONTACT, actor=SYSTEM, reason="first call")
    assert reader.get(f"/api/v1/cases/{case.pk}/").json()["written_off"] is None
    write_off_propose(case=case, actor=supervisor, reason="Untraceable.")
    body = reader.get(f"/api/v1/cases/{case.pk}/").json()
    assert (body["stage"], body["outcome"]) == ("closed", "written_off")
    written_off = body["written_off"]
    assert {key: written_off[key] for key in ("currency", "principal", "interest", "fees", "penalty", "total")} == {
        "currency": "CNY", "principal": "10000.00", "interest": "150.00", "fees": "50.00", "penalty": "25.50",
        "total": "10225.50"}
    assert written_off["approval_kind"] == "within_own_authority" and written_off["approved_at"]
