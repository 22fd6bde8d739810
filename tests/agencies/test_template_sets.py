"""An agency's template set: versions uploaded and put in force, the texts its placed cases' messages use, and
what the escalation pass plans for a placed case with and without one."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import TemplateSet
from agencies.services import placements_create
from agencies.template_sets import (
    template_set_check,
    template_set_parse,
    template_set_publish,
    template_set_upload,
    template_set_withdraw,
)
from audit.models import AuditRecord
from contacts.delivery import contact_deliver
from contacts.messages import MessageWithheld, message_render
from contacts.models import Channel, ContactStatus, ScheduledContact
from core.errors import DomainError
from escalation.services import escalation_pass_run
from tests.escalation.helpers import AS_OF, case_at_dpd, rules_of

SMS = {"zh-hans": "【{{ agency }}】{{ name }}您好，尾号{{ card_last4 }}欠款{{ amount }}，请致电{{ phone }}。",
       "en": "[{{ agency }}] Dear {{ name }}, card {{ card_last4 }} owes {{ amount }}. Call {{ phone }}."}
LETTER = {"zh-hans": "# 催收函\n{{ name }}：您尾号{{ card_last4 }}的信用卡逾期{{ dpd }}天，金额{{ amount }}。\n"
                     "{{ agency }}",
          "en": "# Collection letter\nDear {{ name }}, card {{ card_last4 }} is {{ dpd }} days overdue: {{ amount }}.\n"
                "{{ agency }}"}


def in_force(agency, manager, **texts):
    return template_set_publish(version=template_set_upload(agency=agency, texts=texts, actor=manager), actor=manager)


def placed(case, agency, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=AS_OF - dt.timedelta(hours=1))
    return case


# --- checking and keeping versions ------------------------------------------------------------------------

def test_a_set_uses_known_placeholders_only():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"sms": {"zh-hans": "您好 {{ national_id }}", "en": "Hello"}})
    assert error.value.field == "sms_zh_hans" and "national_id" in error.value.message


def test_a_set_refuses_template_tags():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"sms": {"zh-hans": "{% load static %}", "en": "Hello"}})
    assert error.value.field == "sms_zh_hans" and error.value.code == "bad_placeholder"


def test_an_unclosed_placeholder_is_refused():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"sms": {"zh-hans": "您好", "en": "Dear {{ name, you owe us"}})
    assert error.value.field == "sms_en" and error.value.code == "bad_placeholder"


def test_a_channel_is_covered_in_every_language():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"sms": {"zh-hans": "您好"}})
    assert error.value.field == "sms_en" and error.value.code == "language_missing"


def test_an_sms_text_has_a_size_limit():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"sms": {"zh-hans": "好" * 481, "en": "Hello"}})
    assert error.value.field == "sms_zh_hans" and error.value.code == "too_long"


def test_an_unknown_channel_is_refused():
    with pytest.raises(DomainError) as error:
        template_set_check(texts={"call": {"zh-hans": "您好", "en": "Hello"}})
    assert error.value.code == "unknown_channel"


def test_an_uploaded_file_must_be_json():
    with pytest.raises(DomainError) as error:
        template_set_parse(upload=SimpleUploadedFile("set.json", b"sms: hello"))
    assert error.value.field == "file" and error.value.code == "not_json"
    texts = template_set_parse(upload=SimpleUploadedFile("set.json", json.dumps({"sms": SMS}).encode()))
    assert template_set_check(texts=texts) == {"sms": {"zh-hans": SMS["zh-hans"], "en": SMS["en"]}}


def test_versions_count_up_and_one_is_in_force(agency, manager):
    first = in_force(agency, manager, sms=SMS)
    second = template_set_upload(agency=agency, texts={"sms": SMS, "letter": LETTER}, actor=manager, note="letters")
    assert (first.version, second.version) == (1, 2) and not second.active
    template_set_publish(version=second, actor=manager)
    assert list(TemplateSet.objects.filter(agency=agency, active=True).values_list("version", flat=True)) == [2]
    actions = list(AuditRecord.objects.filter(object_type="agencies.templateset").values_list("action", flat=True))
    assert actions.count("template_set.uploaded") == 2 and actions.count("template_set.published") == 2


# --- the messages of a placed case ------------------------------------------------------------------------

def test_a_placed_cases_sms_uses_its_agencys_text(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    message = message_render(case=case, channel="sms", at=AS_OF)
    assert message.body.startswith(f"【{agency.name}】{case.account.customer.name}您好")
    assert "{{" not in message.body


def test_a_placed_case_in_english_gets_the_english_text(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    case.account.customer.language = "en"
    case.account.customer.save(update_fields=["language"])
    assert message_render(case=case, channel="sms", at=AS_OF).body.startswith(f"[{agency.name}] Dear ")


def test_a_placed_cases_letter_keeps_the_banks_envelope_window(agency, manager, supervisor, team):
    in_force(agency, manager, letter=LETTER)
    case = placed(case_at_dpd(40, assigned_team=team, stage="contact"), agency, supervisor)
    message = message_render(case=case, channel="letter", at=AS_OF)
    assert message.window[1] == case.account.customer.name and message.body.startswith("# 催收函")


def test_a_channel_the_set_does_not_cover_is_withheld(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(40, assigned_team=team, stage="contact"), agency, supervisor)
    with pytest.raises(MessageWithheld):
        message_render(case=case, channel="letter", at=AS_OF)


def test_a_case_not_placed_keeps_the_banks_text(agency, manager, team):
    in_force(agency, manager, sms=SMS)
    case = case_at_dpd(5, assigned_team=team, stage="contact")
    assert agency.name not in message_render(case=case, channel="sms", at=AS_OF).body


def test_delivery_cancels_a_message_the_agency_no_longer_covers(agency, manager, supervisor, team, settings,
                                                                 tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    sent = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=AS_OF, idempotency_key="a")
    assert contact_deliver(contact_id=sent.pk, at=AS_OF) == ContactStatus.SENT
    assert json.loads((tmp_path / "outbox.jsonl").read_text(encoding="utf-8"))["body"].startswith(
        f"【{agency.name}】")
    template_set_withdraw(agency=agency, actor=manager, reason="Contract text under review")
    later = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=AS_OF, idempotency_key="b")
    assert contact_deliver(contact_id=later.pk, at=AS_OF) == ContactStatus.CANCELLED
    later.refresh_from_db()
    assert later.rendered_text == "" and later.trail[-1]["reason"] == "case placed with an agency"


# --- what the pass plans for a placed case ----------------------------------------------------------------

def test_the_pass_plans_the_sms_of_a_placed_case_whose_agency_has_a_set(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact", email="a@example.com"), agency, supervisor)
    escalation_pass_run(as_of=AS_OF)
    # The set covers SMS, not email: T1.email stays unplanned.
    assert rules_of(case) == ["T1.sms"]


def test_the_pass_never_plans_calls_or_visits_for_a_placed_case(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS, letter=LETTER)
    case = placed(case_at_dpd(40, assigned_team=team, stage="contact"), agency, supervisor)
    in_house = case_at_dpd(40, assigned_team=team, stage="contact")
    escalation_pass_run(as_of=AS_OF)
    assert rules_of(case) == ["T3.notice_letter"]
    assert "T3.call" in rules_of(in_house)


def test_the_pass_plans_nothing_for_a_placed_case_whose_agency_has_no_set(agency, manager, supervisor, team):
    template_set_upload(agency=agency, texts={"sms": SMS}, actor=manager)  # uploaded, never put in force
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    escalation_pass_run(as_of=AS_OF)
    assert rules_of(case) == []


def test_withdrawing_the_set_cancels_what_the_pass_planned(agency, manager, supervisor, team):
    in_force(agency, manager, sms=SMS)
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    escalation_pass_run(as_of=AS_OF)
    pending = ScheduledContact.objects.get(case=case, rule="T1.sms", status=ContactStatus.SCHEDULED)
    template_set_withdraw(agency=agency, actor=manager, reason="Contract text under review")
    escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=5))
    pending.refresh_from_db()
    assert pending.status == ContactStatus.CANCELLED and pending.trail[-1]["reason"] == "case placed with an agency"


def test_putting_a_set_in_force_marks_the_agencys_placed_cases(agency, manager, supervisor, team):
    case = placed(case_at_dpd(5, assigned_team=team, stage="contact"), agency, supervisor)
    escalation_pass_run(as_of=AS_OF)
    assert rules_of(case) == []
    in_force(agency, manager, sms=SMS)
    escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=5))
    assert rules_of(case) == ["T1.sms"]
