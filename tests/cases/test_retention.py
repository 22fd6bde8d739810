"""Anonymisation past retention: who is anonymised, when, and what is left of them."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_log
from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import Case, CaseHold, CaseNote, ContactPoint, Customer, HoldRequest, Referral, StageHistory
from cases.retention import anonymise_past_retention, cardholder_anonymise, past_retention, years_before
from complaints.models import Complaint
from contacts.models import ContactAttempt, ContactException, ScheduledContact
from core.anonymise import ANONYMISED, anonymise_covered
from core.crypto import EncryptedJSONField, EncryptedTextField
from events.models import Event, EventType
from litigation.models import LitigationRecord, Milestone, MilestoneDocument
from repayment_plans.models import IncomeStatement, PlanDecision, Promise, RepaymentPlan
from tests.factories import AccountFactory, CaseFactory
from visits.models import Visit, VisitDocument, VisitHistory, VisitReport

NOW = dt.datetime(2030, 6, 15, 12, 0, tzinfo=dt.UTC)
PAST = years_before(NOW, 3) - dt.timedelta(days=1)  # closed 3 years and a day ago: past retention
WITHIN = years_before(NOW, 3) + dt.timedelta(days=1)  # closed 3 years less a day ago: still kept


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE_PATH = tmp_path / "sms" / "outbox.jsonl"
    return tmp_path


def closed_case(customer=None, *, closed_at=PAST) -> Case:
    account = AccountFactory(customer=customer) if customer else AccountFactory()
    return CaseFactory(account=account, stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=closed_at)


def everything(case: Case, settings) -> dict:
    """One row of every kind that holds a cardholder's personal data or free text, on `case`."""
    customer = case.account.customer
    customer.email, customer.address, customer.other_phones = "li@example.com", "上海市长宁路1号", ["13900000000"]
    customer.save()
    rows = {"point": ContactPoint.objects.create(customer=customer, kind="emergency", name="王芳", phone="13700000000",
                                                 address="北京路2号", source_note="told on the phone",
                                                 wrong_reason="not her number")}
    rows["history"] = StageHistory.objects.create(case=case, to_stage=Stage.CLOSED, actor_label="x",
                                                  reason="cardholder said her husband pays")
    rows["note"] = CaseNote.objects.create(case=case, author_label="x", body="lives with her mother at 3 Elm St")
    rows["referral"] = Referral.objects.create(case=case, raised_by_label="x", reason="says she is ill",
                                               status="done", decision="offer a plan")
    hold = CaseHold(case=case, kind=HoldKind.DISPUTE, reason="disputes the fee", placed_by_label="x",
                    released_at=PAST, release_reason="fee refunded", evidence_content_type="application/pdf")
    hold.evidence_file.save("x.pdf", ContentFile(b"%PDF-1.4 evidence"), save=False)
    hold.save()
    rows["hold"] = hold
    rows["hold_request"] = HoldRequest.objects.create(
        case=case, kind=HoldKind.HARDSHIP, cause="medical", reason="hospital stay", until=PAST.date(),
        requested_by_label="x", status=HoldRequest.Status.REFUSED, decision_note="no certificate",
        evidence_reference="paper file 7")
    rows["attempt"] = ContactAttempt.objects.create(
        case=case, channel="call", actor_label="x", result="right_party", number="13800000000",
        notes="she cried", recording_ref="rec-1", recording_sha256="a" * 64, occurred_at=PAST, logged_at=PAST)
    rows["exception"] = ContactException.objects.create(case=case, reason="her lawyer asked for a call",
                                                        granted_by_label="x", valid_from=PAST,
                                                        valid_until=PAST + dt.timedelta(hours=1))
    letter = ScheduledContact.objects.create(case=case, channel="letter", due_at=PAST, idempotency_key="l-1",
                                             status="sent", last_error="address 上海市长宁路1号 unknown")
    letter_path = Path(settings.MEDIA_ROOT) / "letters" / f"contact-{letter.pk}.pdf"
    letter_path.parent.mkdir(parents=True, exist_ok=True)
    letter_path.write_bytes(b"%PDF-1.4 letter")
    rows["letter"], rows["letter_path"] = letter, letter_path
    ScheduledContact.objects.create(case=case, channel="sms", due_at=PAST, idempotency_key="s-1", status="sent")
    sms = Path(settings.SMS_FILE_PATH)
    sms.parent.mkdir(parents=True, exist_ok=True)
    sms.write_text(json.dumps({"to": "13800000000", "body": "李 owes 100", "reference": "s-1"}) + "\n"
                   + json.dumps({"to": "13911111111", "body": "someone else", "reference": "other"}) + "\n")
    visit = Visit.objects.create(case=case, origin="agent", reason="no answer for weeks", address="上海市长宁路1号",
                                 district="长宁", latitude=Decimal("31.2"), longitude=Decimal("121.4"),
                                 status="cancelled", requested_by_label="x")
    rows["visit"] = visit
    VisitHistory.objects.create(visit=visit, to_status="completed", actor_label="x", reason="met her son")
    VisitReport.objects.create(visit=visit, outcome="met_cardholder", delinquency_reason="lost her job",
                               others_present="her son", notes="flat is for sale", author_label="x")
    document = VisitDocument(visit=visit, kind="photo", content_type="image/jpeg", size=4, uploaded_by_label="x")
    document.file.save("door.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
    document.save()
    rows["document"] = document
    rows["promise"] = Promise.objects.create(case=case, amount=Decimal("100"), currency="CNY", due_date=PAST.date(),
                                             channel="call", taken_by_label="x", note="from her pension",
                                             recording_ref="rec-2", status="kept")
    plan = RepaymentPlan(case=case, kind="instalments", status="completed", currency="CNY",
                         owed_principal=Decimal("100"), owed_interest=0, owed_fees=0, owed_penalty=0,
                         waived_amount=0, total=Decimal("100"), instalment_count=1, first_due_date=PAST.date(),
                         months=1, proposed_on=PAST.date(), proposed_by_label="x", terms="paid by her brother")
    plan.signed_copy.save("signed.pdf", ContentFile(b"%PDF-1.4 signed"), save=False)
    plan.save()
    rows["plan"] = plan
    IncomeStatement.objects.create(plan=plan, monthly_income=Decimal("5000"), household_size=3,
                                   essential_spending=Decimal("3000"), other_debts=Decimal("500"),
                                   shortfall_reason="her brother helps", income_sources=["salary"])
    PlanDecision.objects.create(plan=plan, to_status="completed", actor_label="x", reason="paid early, she said")
    complaint_hold = CaseHold.objects.create(case=case, kind=HoldKind.COMPLAINT, reason="calls at night",
                                             placed_by_label="x", released_at=PAST)
    rows["complaint"] = Complaint.objects.create(case=case, kind="complaint", channel="phone", category="conduct",
                                                 description="the agent shouted at 李", sla_due_at=PAST,
                                                 hold=complaint_hold, opened_by_label="x", status="resolved",
                                                 resolved_at=PAST, resolution="apologised to 李")
    record = LitigationRecord.objects.create(case=case, currency="CNY", opened_by_label="x", closed_at=PAST,
                                             ending="judgment_paid")
    milestone = Milestone.objects.create(record=record, kind="closed", ending="judgment_paid", on=PAST.date(),
                                         currency="CNY", note="李's brother paid the judgment", actor_label="x")
    court_paper = MilestoneDocument(milestone=milestone, content_type="application/pdf", size=8, sha256="b" * 64,
                                    uploaded_by_label="x")
    court_paper.file.save("judgment.pdf", ContentFile(b"%PDF-1.4"), save=False)
    court_paper.save()
    rows["milestone"], rows["court_paper"] = milestone, court_paper
    rows["event"] = Event.objects.create(type=EventType.LEGAL_REFERRAL, case=case,
                                         account_number=case.account.account_number,
                                         payload={"reason": "李 refuses to pay", "stage": "legal"})
    rows["audit"] = audit_log(actor="core system", action="case.note", obj=case, case_id=case.pk,
                              changes={"phone": "138****0000"}, reason="masked only")
    return rows


def raw(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_a_cardholder_past_retention_is_scrubbed_from_every_table(settings, media,
                                                                   django_capture_on_commit_callbacks):
    case = closed_case()
    rows = everything(case, settings)
    customer_id = case.account.customer_id
    audit_before = list(AuditRecord.objects.filter(case_id=case.pk).values())

    with django_capture_on_commit_callbacks(execute=True):
        run = anonymise_past_retention(now=NOW)

    assert run.anonymised == [customer_id]
    # Straight from the tables, past the models' decryption.
    assert raw("SELECT name, national_id, national_id_hash, phone, phone_hash, email, address, anonymised_at "
               "FROM cases_customer WHERE id = %s", [customer_id]) == [(ANONYMISED, "", "", "", "", "", "", NOW)]
    assert Customer.objects.get(pk=customer_id).other_phones == []
    assert Customer.objects.get(pk=customer_id).external_id  # the core system's id stays, to answer it
    assert raw("SELECT name, phone, phone_hash, address, source_note, wrong_reason FROM cases_contactpoint "
               "WHERE id = %s", [rows["point"].pk]) == [("", "", "", "", "", "")]
    assert raw("SELECT reason FROM cases_stagehistory WHERE id = %s", [rows["history"].pk]) == [("",)]
    assert raw("SELECT body FROM cases_casenote WHERE case_id = %s", [case.pk]) == [("",)]
    assert raw("SELECT reason, decision FROM cases_referral WHERE case_id = %s", [case.pk]) == [("", "")]
    assert raw("SELECT reason, release_reason, evidence_file, evidence_reference FROM cases_casehold "
               "WHERE id = %s", [rows["hold"].pk]) == [("", "", "", ANONYMISED)]
    assert raw("SELECT reason, decision_note, evidence_file FROM cases_holdrequest WHERE case_id = %s",
               [case.pk]) == [("", "", "")]
    assert raw("SELECT number, number_hash, notes, recording_ref, recording_sha256 FROM contacts_contactattempt "
               "WHERE case_id = %s", [case.pk]) == [("", "", "", "", "")]
    assert raw("SELECT reason FROM contacts_contactexception WHERE case_id = %s", [case.pk]) == [("",)]
    assert raw("SELECT last_error FROM contacts_scheduledcontact WHERE id = %s", [rows["letter"].pk]) == [("",)]
    assert raw("SELECT reason, address, district, latitude, longitude FROM visits_visit WHERE case_id = %s",
               [case.pk]) == [("", "", "", None, None)]
    assert raw("SELECT reason FROM visits_visithistory WHERE visit_id = %s", [rows["visit"].pk]) == [("",)]
    assert raw("SELECT delinquency_reason, others_present, notes FROM visits_visitreport WHERE visit_id = %s",
               [rows["visit"].pk]) == [("", "", "")]
    assert raw("SELECT file FROM visits_visitdocument WHERE visit_id = %s", [rows["visit"].pk]) == [("",)]
    assert raw("SELECT note, recording_ref FROM repayment_plans_promise WHERE case_id = %s", [case.pk]) == [("", "")]
    assert raw("SELECT terms, signed_copy FROM repayment_plans_repaymentplan WHERE case_id = %s",
               [case.pk]) == [("", "")]
    assert raw("SELECT shortfall_reason, monthly_income, essential_spending, other_debts, income_sources "
               "FROM repayment_plans_incomestatement WHERE plan_id = %s", [rows["plan"].pk]) == [
        ("", Decimal("0"), Decimal("0"), Decimal("0"), [])]
    assert raw("SELECT reason FROM repayment_plans_plandecision WHERE plan_id = %s", [rows["plan"].pk]) == [("",)]
    assert raw("SELECT description, resolution FROM complaints_complaint WHERE case_id = %s",
               [case.pk]) == [("", ANONYMISED)]
    assert raw("SELECT note FROM litigation_milestone WHERE id = %s", [rows["milestone"].pk]) == [("",)]
    assert raw("SELECT file FROM litigation_milestonedocument WHERE id = %s", [rows["court_paper"].pk]) == [("",)]
    assert Event.objects.get(pk=rows["event"].pk).payload == {"stage": "legal"}
    # Uploaded media and rendered letters are gone from storage; the SMS outbox keeps the line, not its text.
    for path in (rows["hold"].evidence_file.path, rows["document"].file.path, rows["plan"].signed_copy.path,
                 rows["letter_path"], rows["court_paper"].file.path):
        assert not Path(path).exists()
    lines = [json.loads(line) for line in Path(settings.SMS_FILE_PATH).read_text().splitlines()]
    assert lines == [{"to": "", "body": "", "reference": "s-1"},
                     {"to": "13911111111", "body": "someone else", "reference": "other"}]
    # The audit trail holds masked values only, and stays as it was.
    assert list(AuditRecord.objects.filter(case_id=case.pk).values()) == audit_before
    # The telephony system is told which recordings it may destroy.
    notice = Event.objects.get(case=case, type=EventType.CARDHOLDER_ANONYMISED)
    assert notice.payload == {"customer": case.account.customer.external_id,
                              "recordings_released": [{"ref": "rec-1", "sha256": "a" * 64}]}


@pytest.mark.django_db
def test_one_day_before_retention_ends_nothing_is_touched(settings, media):
    case = closed_case(closed_at=WITHIN)
    rows = everything(case, settings)

    assert anonymise_past_retention(now=NOW).anonymised == []

    customer = Customer.objects.get(pk=case.account.customer_id)
    assert customer.anonymised_at is None and customer.name != ANONYMISED and customer.phone
    assert CaseNote.objects.get(case=case).body == "lives with her mother at 3 Elm St"
    assert ContactAttempt.objects.get(case=case).recording_ref == "rec-1"
    assert Path(rows["document"].file.path).exists()


@pytest.mark.django_db
def test_the_cardholders_last_case_counts(settings, media):
    old = closed_case()
    closed_case(old.account.customer, closed_at=WITHIN)

    assert not past_retention(now=NOW).exists()
    assert not anonymise_past_retention(now=NOW).anonymised


@pytest.mark.django_db
def test_an_open_case_keeps_everything_and_its_recordings(media):
    old = closed_case()
    open_case = CaseFactory(account=AccountFactory(customer=old.account.customer))
    for case in (old, open_case):
        ContactAttempt.objects.create(case=case, channel="call", actor_label="x", result="right_party",
                                      recording_ref=f"rec-{case.pk}", occurred_at=PAST, logged_at=PAST)

    assert anonymise_past_retention(now=NOW).anonymised == []
    assert Customer.objects.get(pk=old.account.customer_id).anonymised_at is None
    # A debt still owed keeps every recording of the cardholder's calls, on this case and the closed one.
    assert sorted(ContactAttempt.objects.values_list("recording_ref", flat=True)) == sorted(
        [f"rec-{old.pk}", f"rec-{open_case.pk}"])


@pytest.mark.django_db
def test_a_legal_hold_keeps_everything_until_released(media):
    case = closed_case()
    hold = CaseHold.objects.create(case=case, kind=HoldKind.LEGAL_HOLD, reason="court order 12", placed_by_label="x")

    assert anonymise_past_retention(now=NOW).anonymised == []

    CaseHold.objects.filter(pk=hold.pk).update(released_at=NOW)
    assert anonymise_past_retention(now=NOW).anonymised == [case.account.customer_id]


@pytest.mark.django_db
def test_a_second_run_changes_nothing(settings, media):
    case = closed_case()
    everything(case, settings)
    anonymise_past_retention(now=NOW)
    notices = Event.objects.filter(type=EventType.CARDHOLDER_ANONYMISED).count()

    assert anonymise_past_retention(now=NOW).anonymised == []
    assert cardholder_anonymise(customer_id=case.account.customer_id, now=NOW) is None
    assert Event.objects.filter(type=EventType.CARDHOLDER_ANONYMISED).count() == notices == 1


@pytest.mark.django_db
def test_a_failure_leaves_the_cardholder_whole(settings, media, monkeypatch, django_capture_on_commit_callbacks):
    case = closed_case()
    everything(case, settings)
    other = closed_case()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("cases.retention.event_emit", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = anonymise_past_retention(now=NOW, chunk_size=1)

    assert run.anonymised == [] and sorted(run.failed) == sorted([case.account.customer_id,
                                                                   other.account.customer_id])
    assert CaseNote.objects.get(case=case).body == "lives with her mother at 3 Elm St"
    assert Customer.objects.get(pk=case.account.customer_id).name != ANONYMISED
    assert Path(CaseHold.objects.get(case=case, kind=HoldKind.DISPUTE).evidence_file.path).exists()


@pytest.mark.django_db
def test_chunks_cover_every_cardholder(media):
    cases = [closed_case() for _ in range(5)]

    run = anonymise_past_retention(now=NOW, chunk_size=2)

    assert sorted(run.anonymised) == sorted(case.account.customer_id for case in cases)


@pytest.mark.django_db
def test_the_command_reports_without_changing_then_anonymises(media):
    case = closed_case(closed_at=years_before(timezone.now(), 4))
    out = StringIO()

    call_command("anonymise_past_retention", "--dry-run", stdout=out)

    assert case.account.customer.external_id in out.getvalue()
    assert "1 cardholders would be anonymised" in out.getvalue()
    assert Customer.objects.get(pk=case.account.customer_id).anonymised_at is None

    call_command("anonymise_past_retention", stdout=StringIO())
    assert Customer.objects.get(pk=case.account.customer_id).anonymised_at is not None


# Free text that is not about a cardholder: staff's own words on policies, system errors, the audit trail
# (masked values only), previews of the policy.
NOT_PERSONAL = {
    "audit.AuditRecord": {"reason"},
    "core.OutboxTask": {"last_error"},
    "dashboards.PolicyPreview": {"error"},
    "escalation.Policy": {"description"},
    "escalation.PolicyVersion": {"note"},
    # The agency's own whitelist record and its business contacts: no cardholder's data.
    "staff.Agency": {"status_reason", "contacts"},
}


def test_every_personal_or_free_text_field_is_anonymised():
    """Adding an encrypted field, a file or free text to a model without registering it with the
    anonymiser (core.anonymise) fails here."""
    from django.db import models

    covered = anonymise_covered()
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {"agencies", "api", "audit", "cases", "complaints", "contacts", "core",
                                         "dashboards", "escalation", "events", "litigation", "repayment_plans",
                                         "selfservice", "staff", "visits"}:
            continue
        label = model._meta.label
        for field in model._meta.concrete_fields:
            free = isinstance(field, EncryptedTextField | EncryptedJSONField | models.FileField | models.TextField)
            if free and field.name not in covered.get(label, set()) | NOT_PERSONAL.get(label, set()):
                missing.append(f"{label}.{field.name}")
    assert missing == []


@pytest.mark.django_db
def test_the_daily_task_is_scheduled_and_anonymises(media):
    from django_celery_beat.models import PeriodicTask

    from cases.tasks import anonymise_past_retention as task

    assert PeriodicTask.objects.filter(task="cases.anonymise_past_retention", enabled=True).exists()
    closed_case(closed_at=years_before(timezone.now(), 4))
    assert task() == 1
    assert task() == 0


@pytest.mark.django_db
def test_a_cardholder_the_core_system_writes_again_is_anonymised_again_once_past_retention(media):
    case = closed_case()
    anonymise_past_retention(now=NOW)
    customer = Customer.objects.get(pk=case.account.customer_id)
    # A later snapshot brings the cardholder's details back, on a card closed since.
    customer.name, customer.phone = "李四", "13800000001"
    customer.save()
    later = NOW + dt.timedelta(days=1)
    Customer.objects.filter(pk=customer.pk).update(updated_at=NOW + dt.timedelta(hours=1))  # written after NOW
    closed_case(customer, closed_at=PAST)

    assert anonymise_past_retention(now=later).anonymised == [customer.pk]
    assert Customer.objects.get(pk=customer.pk).name == ANONYMISED
    assert anonymise_past_retention(now=later).anonymised == []


@pytest.mark.django_db
def test_the_tasks_time_limit_stops_the_run_and_keeps_what_was_done(media, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from cases import retention

    first, second = closed_case(), closed_case()
    anonymise = retention.cardholder_anonymise

    def until_time_is_up(*, customer_id, now):
        if customer_id == second.account.customer_id:
            raise SoftTimeLimitExceeded()
        return anonymise(customer_id=customer_id, now=now)

    monkeypatch.setattr(retention, "cardholder_anonymise", until_time_is_up)
    with pytest.raises(SoftTimeLimitExceeded):
        retention.anonymise_past_retention(now=NOW)
    assert Customer.objects.get(pk=first.account.customer_id).anonymised_at is not None
    assert Customer.objects.get(pk=second.account.customer_id).anonymised_at is None


@pytest.mark.django_db
def test_the_texts_the_cardholder_sent_lose_their_number_and_words(media):
    from contacts.models import InboundSms
    from core.crypto import pii_hash

    case = closed_case()
    number = "+8613911112222"
    ContactAttempt.objects.create(case=case, channel="sms", direction="inbound", source="telephony",
                                  actor_label="sms provider", occurred_at=PAST, result="left_message",
                                  number=number, notes="Please call me after six")
    InboundSms.objects.create(provider_id="P-1", sender=number, sender_hash=pii_hash(number), body="Please call me",
                              received_at=PAST, outcome=InboundSms.Outcome.STORED, cardholders=1)
    someone_else = InboundSms.objects.create(provider_id="P-2", sender="+8613700000000",
                                             sender_hash=pii_hash("+8613700000000"), body="STOP",
                                             received_at=PAST, outcome=InboundSms.Outcome.UNMATCHED)

    assert cardholder_anonymise(customer_id=case.account.customer_id, now=NOW) is not None

    assert raw("SELECT sender, sender_hash, body FROM contacts_inboundsms WHERE provider_id = %s", ["P-1"]) == [
        ("", "", "")]
    someone_else.refresh_from_db()
    assert someone_else.body == "STOP"
