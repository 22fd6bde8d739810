"""Finding: compliance and admin could press Next case and take a case out of the agents' queues."""

import pytest
from django.urls import reverse

from cases.lifecycle import Stage
from cases.models import Case
from cases.queue import queue_claim_next
from core.errors import Forbidden
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_case(team):
    return CaseFactory(assigned_team=team, stage=Stage.CONTACT)


@pytest.mark.parametrize("role", ["compliance", "admin_user"])
def test_a_role_that_does_not_work_cases_cannot_press_next_case(role, request, client, queued_case):
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("cases:queue-next"))

    assert response.status_code == 403
    queued_case.refresh_from_db()
    assert queued_case.claimed_by is None and queued_case.claimed_until is None


@pytest.mark.parametrize("role", ["compliance", "admin_user"])
def test_the_claim_service_refuses_a_role_that_does_not_work_cases(role, request, queued_case):
    with pytest.raises(Forbidden):
        queue_claim_next(user=request.getfixturevalue(role))
    assert not Case.objects.filter(claimed_by__isnull=False).exists()


def test_an_agent_still_claims_the_next_case(client, agent, queued_case):
    client.force_login(agent)

    response = client.post(reverse("cases:queue-next"))

    assert response.status_code == 302
    queued_case.refresh_from_db()
    assert queued_case.claimed_by == agent
