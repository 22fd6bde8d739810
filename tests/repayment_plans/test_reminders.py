import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.lifecycle import HoldKind
from cases.services import case_hold_place
from cases.timeline import case_timeline
from core.actors import SYSTEM
from repayment_plans.plans import plan_accept_with_signed_copy
from repayment_plans.reminders import instalment_reminders_send
from tests.factories import AccountFactory, CustomerFactory
from tests.repayment_plans.helpers import NOW, SH, contact_case, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    return settings.SMS_FILE_PATH


def active_plan(agent, language="en"):
    account = AccountFactory(customer=CustomerFactory(language=language, phone="+8613700000000"))
    plan = propose(contact_case(agent, account=account), agent, count=3)  # due 2026-12-30, 2027-01-30, 2027-02-28
    return plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("s.pdf", b"%PDF-1.7"), actor=agent,
                                        at=NOW)


def messages(outbox) -> list[dict]:
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()] if outbox.exists() else []


def test_an_instalment_is_reminded_once_in_the_days_before_it_falls_due(agent, outbox):
    plan = active_plan(agent)
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 26, 10, tzinfo=SH)) == 0  # four days before
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 27, 10, tzinfo=SH)) == 1
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 28, 10, tzinfo=SH)) == 0
    [message] = messages(outbox)
    assert "instalment 1 of 3" in message["body"] and "2026-12-30" in message["body"]
    [entry] = [e for e in case_timeline(case=plan.case) if e["kind"] == "reminder"]
    assert entry["text"] == "SMS reminder of instalment 1 (3408.50 CNY due 2026-12-30)"


def test_reminders_wait_for_contact_hours_and_stop_for_a_hold(agent, outbox):
    plan = active_plan(agent, language="zh-hans")
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 27, 22, 30, tzinfo=SH)) == 0
    case_hold_place(case=plan.case, kind=HoldKind.DECEASED, actor=SYSTEM, reason="Reported by family.",
                    evidence_reference="DC-1")
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 28, 10, tzinfo=SH)) == 0
    assert messages(outbox) == []


def test_the_reminder_is_in_the_cardholders_language(agent, outbox):
    active_plan(agent, language="zh-hans")
    instalment_reminders_send(at=dt.datetime(2026, 12, 28, 10, tzinfo=SH))
    assert "第1/3期" in messages(outbox)[0]["body"]
