"""A promise or plan agreed on the phone names the call's recording when the bank requires it."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from repayment_plans.errors import PromiseError
from repayment_plans.models import PlanStatus, Promise
from repayment_plans.plans import PlanError, plan_accept_with_code, plan_acceptance_code_send
from repayment_plans.promises import promise_take
from tests.factories import AccountFactory, CustomerFactory
from tests.repayment_plans.helpers import contact_case, propose

pytestmark = pytest.mark.django_db
SHA = "ab" * 32


def take(case, agent, **kwargs):
    return promise_take(case=case, amount=Decimal("300.00"), due_date=timezone.localdate() + dt.timedelta(days=3),
                        actor=agent, **{"channel": "call", **kwargs})


def test_the_setting_is_off_in_the_tests_and_a_call_promise_needs_no_recording(agent, settings):
    assert settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS is False
    promise = take(contact_case(agent), agent)
    assert promise.recording_ref == ""


def test_when_required_a_promise_on_a_call_without_its_recording_is_refused(agent, settings):
    settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS = True
    case = contact_case(agent)
    with pytest.raises(PromiseError) as refused:
        take(case, agent, recording_ref="  ")
    assert refused.value.field == "recording_ref" and not Promise.objects.exists()

    promise = take(case, agent, recording_ref=" CALL-881 ", recording_sha256=SHA.upper())
    assert (promise.recording_ref, promise.recording_sha256) == ("CALL-881", SHA)


def test_a_promise_made_elsewhere_than_on_a_call_needs_no_recording(agent, settings):
    settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS = True
    assert take(contact_case(agent), agent, channel="sms").recording_ref == ""


def test_a_malformed_sha256_is_refused_beside_its_field(agent):
    with pytest.raises(PromiseError) as refused:
        take(contact_case(agent), agent, recording_ref="CALL-1", recording_sha256="not-a-hash")
    assert refused.value.field == "recording_sha256"


def test_the_form_shows_the_missing_recording_beside_the_field_and_keeps_what_was_typed(client, agent, settings):
    settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS = True
    case = contact_case(agent)
    client.force_login(agent)
    url = reverse("repayment_plans:promise-create", args=[case.pk])
    data = {"amount": "300.00", "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "channel": "call", "note": "Pays on Friday.", "recording_ref": ""}

    response = client.post(url, data, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert 'id="np-recording_ref_error"' in body
    assert "Pays on Friday." in body and not Promise.objects.exists()

    client.post(url, {**data, "recording_ref": "CALL-42"}, HTTP_HX_REQUEST="true")
    assert Promise.objects.get(case=case).recording_ref == "CALL-42"


def _code_sent(agent, settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    account = AccountFactory(customer=CustomerFactory(phone="+8613900000000", language="en"))
    plan = propose(contact_case(agent, account=account), agent, count=3)
    plan_acceptance_code_send(plan=plan, actor=agent)
    code = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8"))["body"].split(" is ")[1][:6]
    return plan, code


def test_when_required_a_plan_accepted_with_the_code_names_the_call(agent, settings, tmp_path):
    settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS = True
    plan, code = _code_sent(agent, settings, tmp_path)

    with pytest.raises(PlanError) as refused:
        plan_accept_with_code(plan=plan, code=code, actor=agent)
    assert refused.value.field == "recording_ref"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED

    plan = plan_accept_with_code(plan=plan, code=code, actor=agent, recording_ref="CALL-7", recording_sha256=SHA)
    assert (plan.status, plan.recording_ref, plan.recording_sha256) == (PlanStatus.ACTIVE, "CALL-7", SHA)


def test_the_code_form_shows_the_missing_recording_beside_the_field(client, agent, settings, tmp_path):
    settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS = True
    plan, code = _code_sent(agent, settings, tmp_path)
    client.force_login(agent)
    url = reverse("repayment_plans:plan-code-accept", args=[plan.pk])

    response = client.post(url, {"code": code, "recording_sha256": SHA}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert f'id="code-{plan.pk}-recording-error"' in body and f'value="{SHA}"' in body
    client.post(url, {"code": code, "recording_ref": "CALL-9"}, HTTP_HX_REQUEST="true")
    plan.refresh_from_db()
    assert (plan.status, plan.recording_ref) == (PlanStatus.ACTIVE, "CALL-9")
