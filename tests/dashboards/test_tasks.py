import pytest

from dashboards.models import PolicyPreview
from dashboards.policy_preview import policy_preview_request
from escalation.models import Policy
from escalation.policy import policies_in_force, policy_definition
from tests.escalation.helpers import AS_OF, case_at_dpd
from tests.workers import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_policy_preview_is_computed_by_a_real_worker(worker, supervisor, team):
    case_at_dpd(20, assigned_team=team)
    policy = Policy.objects.get(is_default=True)
    draft = policy_definition(version=policies_in_force(as_of=AS_OF).champion)
    preview = policy_preview_request(policy=policy, data={**draft, "large_amount_threshold": "50000.00"},
                                     actor=supervisor, as_of=AS_OF)
    assert wait_for(lambda: PolicyPreview.objects.get(pk=preview.pk).status != PolicyPreview.Status.QUEUED)
    preview.refresh_from_db()
    assert preview.status == PolicyPreview.Status.DONE
    assert [(r["channel"], r["current"], r["draft"]) for r in preview.rows] == [("call", 1, 1)]
