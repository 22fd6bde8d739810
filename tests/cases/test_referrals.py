import pytest
from django.urls import reverse

from audit.models import AuditRecord
from cases.models import Referral
from cases.referrals import referral_decide, referral_raise, referrals_open
from core.errors import Conflict, DomainError
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team):
    return CaseFactory(assigned_team=team)


def test_an_agent_escalates_a_case_and_the_supervisor_decides(case, agent, supervisor):
    referral = referral_raise(case=case, actor=agent, reason="Cardholder asks for a 60 % waiver")
    assert list(referrals_open(user=supervisor)) == [referral]

    referral_decide(referral=referral, actor=supervisor, decision="Offer 30 %; propose a plan")

    referral.refresh_from_db()
    assert (referral.status, referral.decided_by_label) == (Referral.Status.DONE, "supervisor")
    assert not referrals_open(user=supervisor).exists()
    assert AuditRecord.objects.filter(action="case.referral_decided", case_id=case.pk).exists()


def test_one_open_referral_per_case_and_a_decision_is_final(case, agent, supervisor):
    referral = referral_raise(case=case, actor=agent, reason="first")
    with pytest.raises(Conflict):
        referral_raise(case=case, actor=agent, reason="second")
    referral_decide(referral=referral, actor=supervisor, decision="done")
    with pytest.raises(Conflict):
        referral_decide(referral=referral, actor=supervisor, decision="again")
    referral_raise(case=case, actor=agent, reason="a new question")  # after the decision, a new one may open


def test_a_reason_and_a_decision_are_required(case, agent, supervisor):
    with pytest.raises(DomainError):
        referral_raise(case=case, actor=agent, reason=" ")
    referral = referral_raise(case=case, actor=agent, reason="why")
    with pytest.raises(DomainError):
        referral_decide(referral=referral, actor=supervisor, decision="")


def test_supervisors_see_only_their_teams_referrals(case, agent, supervisor, other_team, other_agent):
    referral_raise(case=CaseFactory(assigned_team=other_team), actor=other_agent, reason="elsewhere")
    mine = referral_raise(case=case, actor=agent, reason="here")
    assert list(referrals_open(user=supervisor)) == [mine]


def test_the_case_page_escalates_in_place_and_shows_it_waiting(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("cases:referral-create", args=[case.pk]), {"reason": "possible fraud"},
                           **htmx_from(reverse("cases:detail", args=[case.pk])))
    body = case_page_after(client, response, case)
    assert "Escalated: a supervisor will look at the case." in messages_of(body)
    assert '<p role="status">' in body and "possible fraud" in body and Referral.objects.filter(case=case).exists()
    empty = client.post(reverse("cases:referral-create", args=[CaseFactory(assigned_team=case.assigned_team).pk]),
                        {"reason": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="rf-reason_error"' in empty


def test_the_supervisor_decides_from_the_referrals_page(client, agent, supervisor, case):
    referral = referral_raise(case=case, actor=agent, reason="why")
    client.force_login(supervisor)
    assert client.get(reverse("cases:referrals")).status_code == 200
    response = client.post(reverse("cases:referral-decide", args=[referral.pk]), {"decision": "call again Monday"},
                           follow=True)
    assert f"Referral on case #{case.pk} decided." in messages_of(response.content.decode())
    referral.refresh_from_db()
    assert referral.decision == "call again Monday"


def test_a_refused_decision_keeps_what_was_typed_beside_its_error(client, agent, supervisor, case, monkeypatch):
    from cases import referral_views
    from core.errors import DomainError

    referral = referral_raise(case=case, actor=agent, reason="why")

    def refuse(**kwargs):
        raise DomainError("The referral was decided meanwhile.", code="conflict")

    monkeypatch.setattr(referral_views, "referral_decide", refuse)
    client.force_login(supervisor)
    response = client.post(reverse("cases:referral-decide", args=[referral.pk]), {"decision": "call again Monday"})
    body = response.content.decode()
    assert response.status_code == 400 and 'value="call again Monday"' in body
    assert f'aria-describedby="decision-{referral.pk}-error"' in body and f'id="decision-{referral.pk}-error"' in body
    assert "decided meanwhile" in body
