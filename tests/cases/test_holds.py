"""Holds that end, hardship and breathing space, evidence, and the events the core system reads."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditRecord
from cases.errors import HoldError
from cases.holds import (
    case_hold_place,
    case_hold_release,
    hold_request_approve,
    hold_request_create,
    hold_request_refuse,
    holds_release_ended,
)
from cases.lifecycle import HardshipCause, HoldKind
from cases.models import CaseHold, HoldRequest
from cases.tasks import release_ended_holds
from core.actors import SYSTEM
from core.errors import DomainError, Forbidden
from events.models import Event
from tests.factories import AccountFactory, CaseFactory, CustomerFactory, staff_user

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on Monday 30 November 2026.
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
TODAY = NOW.date()
UTC_NOW = NOW.astimezone(dt.UTC).isoformat()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def case(team):
    return CaseFactory(assigned_team=team)


@pytest.fixture
def other_supervisor(team):
    from staff.models import Role

    return staff_user(Role.SUPERVISOR, team, user__username="supervisor2")


def hardship(case, agent, *, until=TODAY + dt.timedelta(days=30), **kwargs):
    fields = {"cause": HardshipCause.UNEMPLOYMENT, "evidence_reference": "Termination letter TL-7",
              "reason": "Lost their job in November.", "at": NOW, **kwargs}
    return hold_request_create(case=case, kind=HoldKind.HARDSHIP, actor=agent, until=until, **fields)


# --- holds that end -------------------------------------------------------------------------------------


def test_a_hold_past_its_end_date_is_released_by_the_system_and_the_case_is_marked_for_the_pass(
        time_machine, agent, case):
    from escalation.models import EscalationPending

    time_machine.move_to(NOW, tick=False)
    hold = case_hold_place(case=case, kind=HoldKind.DO_NOT_CONTACT, actor=agent, reason="Asked for a week's peace.",
                           until=TODAY + dt.timedelta(days=7))
    EscalationPending.objects.filter(case=case).delete()

    # The last day of the hold: still in force at 23:59 in Shanghai.
    time_machine.move_to(dt.datetime.combine(TODAY + dt.timedelta(days=7), dt.time(23, 59), SH), tick=False)
    assert release_ended_holds() == 0
    hold.refresh_from_db()
    assert hold.is_active

    time_machine.move_to(dt.datetime.combine(TODAY + dt.timedelta(days=8), dt.time(0, 1), SH), tick=False)
    assert release_ended_holds() == 1
    hold.refresh_from_db()
    assert not hold.is_active
    assert hold.released_by is None and hold.released_by_label == SYSTEM
    assert hold.release_reason == f"The hold ended on {TODAY + dt.timedelta(days=7)}."
    assert EscalationPending.objects.filter(case=case).exists()
    assert AuditRecord.objects.filter(action="case.hold_released", case_id=case.pk).exists()
    # Running again releases nothing twice.
    assert release_ended_holds() == 0


def test_a_hold_ends_at_midnight_in_the_cardholders_time_zone(agent, team):
    account = AccountFactory(customer=CustomerFactory(timezone="America/New_York"))
    case = CaseFactory(account=account, assigned_team=team)
    hold = case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.",
                           until=dt.date(2026, 11, 30), at=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC))
    # 1 December 01:00 in Shanghai is still 30 November in New York.
    assert holds_release_ended(at=dt.datetime(2026, 12, 1, 1, 0, tzinfo=SH)) == 0
    assert holds_release_ended(at=dt.datetime(2026, 12, 1, 0, 1, tzinfo=ZoneInfo("America/New_York"))) == 1
    hold.refresh_from_db()
    assert not hold.is_active


def test_setting_an_end_date_marks_the_case_for_the_pass(agent, case):
    from escalation.models import EscalationPending

    hold = case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.")
    EscalationPending.objects.filter(case=case).delete()
    CaseHold.objects.filter(pk=hold.pk).update(until=TODAY + dt.timedelta(days=3))
    assert EscalationPending.objects.filter(case=case).exists()


def test_a_hold_may_not_end_in_the_past(agent, case):
    with pytest.raises(HoldError) as refused:
        case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.",
                        until=TODAY - dt.timedelta(days=1), at=NOW)
    assert refused.value.field == "until"


@pytest.mark.parametrize("kind", [HoldKind.DECEASED, HoldKind.BANKRUPTCY])
def test_deceased_and_bankruptcy_never_end_by_themselves(agent, case, kind):
    with pytest.raises(HoldError) as refused:
        case_hold_place(case=case, kind=kind, actor=agent, reason="Notice.", evidence_reference="N-1",
                        until=TODAY + dt.timedelta(days=5), at=NOW)
    assert refused.value.code == "until_not_allowed"


# --- evidence -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [HoldKind.DECEASED, HoldKind.BANKRUPTCY])
def test_deceased_and_bankruptcy_need_evidence(agent, case, kind):
    with pytest.raises(HoldError) as refused:
        case_hold_place(case=case, kind=kind, actor=agent, reason="Family called.")
    assert refused.value.code == "evidence_required" and refused.value.field == "evidence_file"
    assert not CaseHold.objects.exists()


def test_hardship_needs_evidence(agent, case):
    with pytest.raises(HoldError) as refused:
        hardship(case, agent, evidence_reference="")
    assert refused.value.code == "evidence_required"
    assert not HoldRequest.objects.exists()


def test_an_uploaded_document_is_stored_as_evidence_under_a_random_name(agent, case, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    upload = SimpleUploadedFile("王芳-death-certificate.pdf", PDF, content_type="application/pdf")
    hold = case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="Certificate received.",
                           evidence_file=upload)
    hold.refresh_from_db()
    assert hold.evidence_content_type == "application/pdf"
    assert hold.evidence_file.name.startswith(f"holds/{case.pk}/") and hold.evidence_file.name.endswith(".pdf")
    assert "王芳" not in hold.evidence_file.name
    assert hold.evidence_file.read() == PDF


def test_evidence_that_is_not_a_document_is_refused(agent, case):
    upload = SimpleUploadedFile("certificate.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(DomainError) as refused:
        case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="x", evidence_file=upload)
    assert refused.value.code == "file_type" and refused.value.field == "evidence_file"


# --- hardship and breathing space: request, approval, maximum length -------------------------------------


def test_hardship_is_requested_and_stops_contact_only_once_a_supervisor_approves(agent, supervisor, case):
    request = hardship(case, agent)
    assert request.status == HoldRequest.Status.PENDING
    assert not CaseHold.objects.filter(case=case).exists()  # contact goes on while it is reviewed

    hold = hold_request_approve(request=request, actor=supervisor, note="Letter checked.", at=NOW)
    assert (hold.kind, hold.cause, hold.until) == (HoldKind.HARDSHIP, "unemployment", TODAY + dt.timedelta(days=30))
    assert hold.placed_by == supervisor and hold.evidence_reference == "Termination letter TL-7"
    request.refresh_from_db()
    assert request.status == HoldRequest.Status.APPROVED and request.hold == hold
    assert request.decided_by == supervisor
    with pytest.raises(HoldError):
        hold_request_approve(request=request, actor=supervisor, at=NOW)


def test_hardship_cannot_be_placed_without_a_request(agent, case):
    with pytest.raises(HoldError) as refused:
        case_hold_place(case=case, kind=HoldKind.HARDSHIP, actor=agent, reason="x", evidence_reference="E",
                        until=TODAY + dt.timedelta(days=5), at=NOW)
    assert refused.value.code == "approval_required"


def test_hardship_names_its_cause(agent, case):
    with pytest.raises(HoldError) as refused:
        hardship(case, agent, cause="")
    assert refused.value.field == "cause"


def test_an_agent_cannot_approve_and_a_supervisor_cannot_approve_their_own_request(agent, supervisor,
                                                                                   other_supervisor, case):
    request = hardship(case, agent)
    with pytest.raises(Forbidden):
        hold_request_approve(request=request, actor=agent, at=NOW)
    own = hold_request_create(case=CaseFactory(assigned_team=case.assigned_team), kind=HoldKind.BREATHING_SPACE,
                              actor=supervisor, until=TODAY + dt.timedelta(days=60), evidence_reference="BS-1",
                              reason="Debt adviser's notice.", at=NOW)
    with pytest.raises(Forbidden):
        hold_request_approve(request=own, actor=supervisor, at=NOW)
    assert hold_request_approve(request=own, actor=other_supervisor, at=NOW).kind == HoldKind.BREATHING_SPACE


def test_a_refused_request_places_no_hold_and_needs_a_reason(agent, supervisor, case):
    request = hardship(case, agent)
    with pytest.raises(HoldError):
        hold_request_refuse(request=request, actor=supervisor, note=" ")
    hold_request_refuse(request=request, actor=supervisor, note="The letter is from 2019.")
    request.refresh_from_db()
    assert request.status == HoldRequest.Status.REFUSED and not CaseHold.objects.exists()


def test_breathing_space_lasts_at_most_sixty_days_by_default(agent, case):
    with pytest.raises(HoldError) as refused:
        hold_request_create(case=case, kind=HoldKind.BREATHING_SPACE, actor=agent, reason="Adviser's notice.",
                            until=TODAY + dt.timedelta(days=61), evidence_reference="BS-1", at=NOW)
    assert refused.value.code == "until_too_late" and refused.value.field == "until"
    hold_request_create(case=case, kind=HoldKind.BREATHING_SPACE, actor=agent, reason="Adviser's notice.",
                        until=TODAY + dt.timedelta(days=60), evidence_reference="BS-1", at=NOW)


def test_the_maximum_length_comes_from_the_settings_and_is_checked_again_on_approval(agent, supervisor, case,
                                                                                    settings):
    settings.HOLDS_HARDSHIP_MAX_DAYS = 30
    with pytest.raises(HoldError):
        hardship(case, agent, until=TODAY + dt.timedelta(days=31))
    request = hardship(case, agent, until=TODAY + dt.timedelta(days=30))
    with pytest.raises(HoldError) as refused:
        hold_request_approve(request=request, actor=supervisor, until=TODAY + dt.timedelta(days=45), at=NOW)
    assert refused.value.code == "until_too_late"
    assert hold_request_approve(request=request, actor=supervisor, until=TODAY + dt.timedelta(days=14),
                                at=NOW).until == TODAY + dt.timedelta(days=14)


def test_hardship_and_breathing_space_always_end_and_rest_on_evidence_in_the_database(case):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        CaseHold.objects.create(case=case, kind=HoldKind.BREATHING_SPACE, reason="Loaded by a data fix.",
                                placed_by_label="x", evidence_reference="BS-1")


# --- events for the core system ----------------------------------------------------------------------------


def test_breathing_space_asks_the_core_system_to_freeze_interest_and_fees(agent, supervisor, case):
    request = hold_request_create(case=case, kind=HoldKind.BREATHING_SPACE, actor=agent, reason="Adviser's notice.",
                                  until=TODAY + dt.timedelta(days=60), evidence_reference="BS-1", at=NOW)
    hold = hold_request_approve(request=request, actor=supervisor, at=NOW)
    placed = Event.objects.get(case=case, type="hold.placed")
    assert placed.payload == {"hold_id": hold.pk, "kind": "breathing_space", "start": UTC_NOW,
                              "end": (TODAY + dt.timedelta(days=60)).isoformat(), "freeze_interest_and_fees": True}
    later = NOW + dt.timedelta(days=61)
    case_hold_release(hold=hold, actor=SYSTEM, reason="Ended.", at=later)
    released = Event.objects.get(case=case, type="hold.released")
    assert released.payload == {"hold_id": hold.pk, "kind": "breathing_space", "start": UTC_NOW,
                                "end": later.astimezone(dt.UTC).isoformat(), "freeze_interest_and_fees": False}


def test_every_hold_placed_or_released_emits_its_kind_start_and_end(agent, supervisor, case):
    hold = case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="Family called.",
                           evidence_reference="DC-1", at=NOW)
    assert Event.objects.get(case=case, type="hold.placed").payload == {
        "hold_id": hold.pk, "kind": "deceased", "start": UTC_NOW, "end": None,
        "freeze_interest_and_fees": False}
    request = hardship(CaseFactory(assigned_team=case.assigned_team), agent)
    approved = hold_request_approve(request=request, actor=supervisor, at=NOW)
    payload = Event.objects.get(case=request.case, type="hold.placed").payload
    assert payload["cause"] == "unemployment" and payload["end"] == approved.until.isoformat()
    assert not Event.objects.filter(type="dispute.opened").exists()


def test_a_dispute_opened_and_resolved_in_the_register_tells_the_core_system(agent, supervisor, case):
    from complaints.services import complaint_open, complaint_resolve

    complaint = complaint_open(case=case, kind="dispute", channel="phone", category="amount",
                               description="Disputes the annual fee.", actor=agent)
    opened = Event.objects.get(case=case, type="dispute.opened")
    assert opened.payload == {"hold_id": complaint.hold_id, "opened_at": complaint.hold.placed_at.isoformat()}
    complaint_resolve(complaint=complaint, resolution="Fee refunded.", actor=supervisor)
    resolved = Event.objects.get(case=case, type="dispute.resolved")
    complaint.hold.refresh_from_db()
    assert resolved.payload == {"hold_id": complaint.hold_id, "opened_at": complaint.hold.placed_at.isoformat(),
                                "resolved_at": complaint.hold.released_at.isoformat()}
    assert list(Event.objects.filter(case=case).order_by("id").values_list("type", flat=True)) == [
        "hold.placed", "dispute.opened", "hold.released", "dispute.resolved"]


def test_the_release_of_ended_holds_is_scheduled_by_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="cases.release_ended_holds")
    assert task.enabled and (task.interval.every, task.interval.period) == (3600, "seconds")


def test_the_timeline_tells_the_request_its_refusal_and_a_hold_with_its_end(agent, supervisor, case):
    from cases.timeline import case_timeline

    refused = hardship(case, agent)
    hold_request_refuse(request=refused, actor=supervisor, note="No evidence of the job loss date.")
    case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.", at=NOW,
                    until=dt.date(2026, 12, 24))
    texts = [entry["text"] for entry in case_timeline(case=case)]
    assert "Hold placed: Legal hold, until 2026-12-24" in texts
    assert "Hold request refused: Hardship (Unemployment)" in texts
    assert "Hold requested: Hardship (Unemployment), until 2026-12-30" in texts
