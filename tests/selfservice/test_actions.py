"""What the cardholder does on their own page, each through the service staff use, with its effect."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditRecord
from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold, HoldRequest
from cases.timeline import case_timeline
from complaints.models import Complaint
from contacts.models import Channel, ContactStatus, ScheduledContact
from escalation.services import escalation_pass_run
from repayment_plans.models import Promise, PromiseChannel
from selfservice.links import link_create
from selfservice.models import CardholderAction, CardholderUpload
from tests.escalation.helpers import case_at_dpd
from tests.selfservice.conftest import NATIONAL_ID, signed_in

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def cardholder_client(link_token, sms):
    client = Client(REMOTE_ADDR="198.51.100.7")
    signed_in(client, link_token[1], sms)
    return client


def test_a_promise_pauses_collection_and_staff_see_it_on_the_timeline(cardholder_client, case, link_token):
    ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=timezone.now() + dt.timedelta(days=1),
                                    idempotency_key="call-1", rule="t2_call")
    due = timezone.localdate() + dt.timedelta(days=5)
    response = cardholder_client.post(f"/my/case/{case.pk}/promise/", {"amount": "500.00", "due_date": due})
    assert response.status_code == 200
    promise = Promise.objects.get(case=case)
    assert promise.channel == PromiseChannel.ONLINE and promise.amount == Decimal("500.00")
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP
    assert not ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED).exists()
    entry = next(e for e in case_timeline(case=case) if e["kind"] == "self_service")
    assert "Promised to pay 500.00 CNY" in entry["text"] and f"link {link_token[0].pk}" in entry["detail"]
    record = AuditRecord.objects.get(action="selfservice.promise")
    assert record.ip_address == "198.51.100.7" and record.changes["link"] == link_token[0].pk


def test_a_promise_beyond_the_allowed_days_is_refused_beside_the_date(cardholder_client, case, settings):
    too_late = timezone.localdate() + dt.timedelta(days=settings.PROMISE_MAX_DAYS_AHEAD + 2)
    response = cardholder_client.post(f"/my/case/{case.pk}/promise/", {"amount": "500.00", "due_date": too_late})
    assert response.status_code == 400 and "The date must be between" in response.content.decode()
    assert not Promise.objects.exists()


def test_a_dispute_holds_the_case_at_once_and_enters_the_complaints_register(cardholder_client, case):
    upload = SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")
    response = cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "amount", "description": "I paid this in October.", "files": [upload]})
    assert response.status_code == 200
    complaint = Complaint.objects.get(case=case)
    assert complaint.kind == "dispute" and complaint.channel == "online" and complaint.sla_due_at
    assert CaseHold.objects.filter(case=case, kind=HoldKind.DISPUTE, released_at__isnull=True).exists()
    assert CardholderUpload.objects.get().content_type == "application/pdf"


def test_a_dispute_names_what_it_is_about_no_choice_is_made_for_the_cardholder(cardholder_client, case):
    page = cardholder_client.get(f"/my/case/{case.pk}/dispute/").content.decode()
    assert '<option value="" selected>Choose one</option>' in page
    response = cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "", "description": "I paid this in October."})
    assert response.status_code == 400 and "I paid this in October." in response.content.decode()
    assert not Complaint.objects.exists()


def test_an_upload_is_checked_by_its_content_not_its_name(cardholder_client, case):
    fake = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "amount", "description": "Wrong.", "files": [fake]})
    assert response.status_code == 400 and "is not a JPEG, PNG or PDF" in response.content.decode()
    assert not Complaint.objects.exists() and not CaseHold.objects.exists()


def test_an_upload_over_5_mb_is_refused(cardholder_client, case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    response = cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "complaint", "category": "conduct", "description": "Rude.", "files": [big]})
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    assert not Complaint.objects.exists()


def test_hardship_goes_to_a_supervisor_with_its_evidence(cardholder_client, case):
    until = timezone.localdate() + dt.timedelta(days=30)
    response = cardholder_client.post(f"/my/case/{case.pk}/hardship/", {
        "cause": "medical", "reason": "In hospital since May.", "until": until,
        "files": [SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)]})
    assert response.status_code == 200
    request = HoldRequest.objects.get(case=case)
    assert request.kind == HoldKind.HARDSHIP and request.evidence_content_type == "image/png"
    assert not CaseHold.objects.filter(case=case).exists()


def test_a_callback_goes_to_the_cases_agent_inside_contact_hours(cardholder_client, case, agent):
    local = (timezone.now().astimezone(ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0)
    response = cardholder_client.post(f"/my/case/{case.pk}/callback/", {"at": local.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    callback = ScheduledContact.objects.get(case=case, rule="callback")
    assert callback.assigned_to == agent and callback.due_at == local


def test_a_callback_at_night_is_refused(cardholder_client, case):
    local = (timezone.now().astimezone(ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=2)).replace(hour=23, minute=0)
    response = cardholder_client.post(f"/my/case/{case.pk}/callback/", {"at": local.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and not ScheduledContact.objects.filter(rule="callback").exists()
    # Said to the cardholder, beside the time they chose: not the governor's words for staff.
    page = response.content.decode()
    assert 'id="id_at_error"' in page or "has-error" in page
    assert "Please choose another time between 08:00 and 21:00" in page and "Not permitted" not in page
    past = (timezone.now() - dt.timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    response = cardholder_client.post(f"/my/case/{case.pk}/callback/", {"at": past.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and "Please choose a time later than now." in response.content.decode()


def test_an_sms_opt_out_means_the_next_pass_schedules_no_sms(sms):
    case = case_at_dpd(3, as_of=timezone.now())
    customer = case.account.customer
    customer.national_id, customer.phone = NATIONAL_ID, "13700137000"
    customer.save()
    control = case_at_dpd(3, as_of=timezone.now())
    client = Client()
    signed_in(client, link_create(customer=customer)[1], sms)
    response = client.post("/my/preferences/", {"no_sms": "on"})
    assert response.status_code == 200
    assert CardholderAction.objects.get().kind == "preference"
    escalation_pass_run(as_of=timezone.now())
    assert ScheduledContact.objects.filter(case=control, channel=Channel.SMS, status=ContactStatus.SCHEDULED).exists()
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.SMS, status=ContactStatus.SCHEDULED).exists()


@pytest.mark.parametrize("path", ["promise", "dispute", "callback", "hardship"])
def test_every_action_form_refuses_a_post_without_its_csrf_token(link_token, sms, case, path):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/my/{link_token[1]}/")
    token = client.get("/my/verify/").context["csrf_token"]
    client.post("/my/verify/", {"last_four": "123X", "csrfmiddlewaretoken": token})
    client.post("/my/verify/code/", {"code": sms.last_code(), "csrfmiddlewaretoken": token})
    assert client.get("/my/").status_code == 200
    assert client.post(f"/my/case/{case.pk}/{path}/", {}).status_code == 403
    assert client.post("/my/preferences/", {"no_sms": "on"}).status_code == 403
    assert not CardholderAction.objects.exists()


def test_the_page_shows_the_debt_by_part_and_why_the_next_contact(cardholder_client, case):
    ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=timezone.now() + dt.timedelta(days=1),
                                    idempotency_key="call-2", rule="t2_call")
    page = cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    assert "¥10,000.00" in page and "¥150.00" in page and "¥25.50" in page
    assert "We will call you on" in page and "days late" in page
    assert case.assigned_agent.username not in page


def test_staff_who_see_the_case_open_the_cardholders_documents_from_the_timeline(cardholder_client, case, agent,
                                                                              other_agent):
    cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "amount", "description": "Paid.",
        "files": [SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")]})
    entry = next(e for e in case_timeline(case=case) if e["kind"] == "self_service")
    [(_label, url)] = entry["links"]
    staff = Client()
    staff.force_login(agent)
    response = staff.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditRecord.objects.filter(action="selfservice.upload_viewed", actor=agent).exists()
    staff.force_login(other_agent)
    assert staff.get(url).status_code == 404


def test_the_timeline_says_what_the_cardholder_asked_in_words_staff_read(cardholder_client, case):
    """Found walking the page: the timeline read "Asked for a call at 2026-12-03T02:30:00+00:00" (UTC, ISO) for
    a call asked at 10:30 in Shanghai, and "对债务提出异议（conduct）" (the category's code) on a Chinese page."""
    from django.utils import translation

    from complaints.models import Category
    from core.i18n import stored_text

    local = (timezone.now().astimezone(ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0)
    cardholder_client.post(f"/my/case/{case.pk}/callback/", {"at": local.strftime("%Y-%m-%dT%H:%M")})
    cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "conduct", "description": "Rude."})
    callback = CardholderAction.objects.get(kind=CardholderAction.Kind.CALLBACK)
    assert callback.summary == f"Asked for a call at {local:%Y-%m-%d} 10:30 (Asia/Shanghai)"
    dispute = CardholderAction.objects.get(kind=CardholderAction.Kind.DISPUTE)
    with translation.override("zh-hans"):
        assert stored_text(dispute.summary) == f"对债务提出异议（{Category.CONDUCT.label}）"
        assert "conduct" not in stored_text(dispute.summary)


def test_after_a_promise_the_page_does_not_announce_the_messages_it_pauses(cardholder_client, case):
    """Found walking the page: right after "we will not chase you", "What happens next" still read "We will
    send you a text message on 3 Dec because your payment is 10 days late" (the governor holds it back)."""
    ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=timezone.now() + dt.timedelta(days=1),
                                    idempotency_key="sms-2", rule="T1.sms")
    assert "We will send you a text message on" in cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert cardholder_client.post(f"/my/case/{case.pk}/promise/", {"amount": "100.00", "due_date": due}
                                  ).status_code == 200
    page = cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    assert "You promised to pay" in page and "We will send you a text message on" not in page


def test_a_chinese_case_page_names_the_cardholder_who_asked_for_a_hold_in_chinese(cardholder_client, case,
                                                                                   supervisor):
    """Found walking the page: "由 the cardholder, on their own page 于 … 申请" on the Chinese case page."""
    from staff.models import StaffProfile

    cardholder_client.post(f"/my/case/{case.pk}/hardship/", {
        "cause": "medical", "reason": "In hospital.", "until": timezone.localdate() + dt.timedelta(days=30),
        "files": [SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)]})
    StaffProfile.objects.filter(user=supervisor).update(language="zh-hans")
    staff = Client()
    staff.force_login(supervisor)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "持卡人（自助服务页面）" in page and "the cardholder, on their own page" not in page


def test_the_case_page_says_what_the_bank_has_in_hand_a_dispute_and_a_hardship_request(cardholder_client, case):
    cardholder_client.post(f"/my/case/{case.pk}/dispute/", {
        "kind": "dispute", "category": "amount", "description": "I paid this in October."})
    page = cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    due = Complaint.objects.get(case=case).sla_due_at
    assert "We are looking into your dispute of" in page and "Nothing is planned yet." not in page
    assert date_format(timezone.localtime(due), "DATE_FORMAT") in page
    until = timezone.localdate() + dt.timedelta(days=30)
    cardholder_client.post(f"/my/case/{case.pk}/hardship/", {
        "cause": "medical", "reason": "In hospital since May.", "until": until,
        "files": [SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")]})
    assert HoldRequest.objects.filter(case=case, status="pending").exists()
    assert "Your hardship request of" in cardholder_client.get(f"/my/case/{case.pk}/").content.decode()


def test_the_case_page_writes_a_promises_amount_as_it_writes_the_debt(cardholder_client, case):
    due = timezone.localdate() + dt.timedelta(days=5)
    cardholder_client.post(f"/my/case/{case.pk}/promise/", {"amount": "1500.00", "due_date": due})
    page = cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    assert "You promised to pay ¥1,500.00 by" in page and "1500.00 CNY" not in page
