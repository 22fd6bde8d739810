"""POST /api/v1/contact-attempts/batch: the telephony system feeds the record (api/views/telephony.py,
contacts/telephony.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from api.services import api_client_create
from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold, ContactPoint, ContactPointKind
from contacts.models import AttemptSource, ContactAttempt, ContactException, ContactStatus, Direction, ScheduledContact
from contacts.services import contact_exception_grant
from core.crypto import pii_hash
from tests.api.conftest import bearer
from tests.escalation.conftest import default_policy  # noqa: F401 - the profiles, back after a flush
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NUMBER = "+8613800138000"
# The clock stands at 2026-11-30 17:00 in Shanghai (tests/api/conftest.py).


def at(hour: int, minute: int = 0, day: int = 30) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.fixture
def dialer(db):
    _client, token = api_client_create(name="dialer", scopes=["telephony"])
    return bearer(token)


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__phone=NUMBER)


def call(external_id: str, case, *, started: dt.datetime | None = None, **extra) -> dict:
    item = {"external_id": external_id, "account_number": case.account.account_number, "direction": "outbound",
            "number": NUMBER, "started_at": (started or at(10)).isoformat(), "duration_seconds": 42,
            "result": "no_answer", "reason": "", "agent": "",
            "recording": {"ref": f"REC-{external_id}", "sha256": "a" * 64, "keep_until": "2030-01-31"}}
    item.update(extra)
    return item


def post(client, *items):
    return client.post("/api/v1/contact-attempts/batch", {"items": list(items)}, format="json")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_call_is_recorded_with_its_recording_and_no_breach(dialer, case, agent):
    [row] = results(post(dialer, call("CALL-1", case, agent="agent", result="right_party", reason="illness")))

    attempt = ContactAttempt.objects.get(external_id="CALL-1")
    assert row == {"external_id": "CALL-1", "result": "recorded", "case_id": case.pk, "attempt_id": attempt.pk,
                   "breaches": [], "errors": []}
    assert attempt.source == AttemptSource.TELEPHONY and attempt.actor == agent and attempt.actor_label == "agent"
    assert attempt.occurred_at == at(10) and attempt.duration_seconds == 42
    assert attempt.delinquency_reason == "illness" and attempt.customer_id == case.account.customer_id
    assert attempt.number == NUMBER and attempt.number_hash == pii_hash(NUMBER)
    assert (attempt.recording_ref, attempt.recording_sha256, str(attempt.recording_keep_until)) == (
        "REC-CALL-1", "a" * 64, "2030-01-31")
    assert attempt.verdict["allowed"] is True and "hours" in attempt.verdict["passed"]


def test_the_number_is_stored_encrypted(dialer, case):
    results(post(dialer, call("CALL-1", case)))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM contacts_contactattempt")
        [(stored,)] = cursor.fetchall()
    assert stored and NUMBER not in stored


def test_a_call_at_2103_shanghai_time_is_recorded_as_a_breach_of_the_hours(dialer, case):
    [row] = results(post(dialer, call("LATE", case, started=at(21, 3, day=29))))
    assert row["result"] == "recorded" and row["breaches"] == ["hours"]
    attempt = ContactAttempt.objects.get(external_id="LATE")
    assert attempt.breached_rules == ["hours"] and attempt.verdict["allowed"] is False


def test_an_inbound_call_at_2200_is_no_breach_and_counts_for_nothing(dialer, case):
    rows = results(post(dialer, call("IN", case, started=at(22, 0, day=29), direction="inbound"),
                        *[call(f"OUT-{n}", case, started=at(10 + n)) for n in range(3)]))
    assert [row["breaches"] for row in rows] == [[], [], [], []]
    assert ContactAttempt.objects.get(external_id="IN").direction == Direction.INBOUND


def test_a_number_reported_wrong_or_on_file_nowhere_is_a_breach(dialer, case):
    at_nine = at(9)
    ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.HOME, phone="+862150001111",
                                wrong_at=at_nine, wrong_by_label="agent")
    rows = results(post(dialer, call("WRONG", case, number="+862150001111"),
                        call("EARLIER", case, number="+862150001111", started=at(8, 30)),
                        call("STRANGER", case, number="+8613500009999", started=at(11))))

    assert [row["breaches"] for row in rows] == [["wrong_number_dialled"], [], ["unknown_party"]]


def test_calls_in_one_batch_count_against_each_other_across_the_cardholders_cases(dialer, case, team):
    # A second card of the same cardholder: the daily limit (3 calls) is the person's, not the case's.
    other = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer=case.account.customer)
    rows = results(post(dialer, call("D", other, started=at(13)), call("A", case, started=at(10)),
                        call("C", case, started=at(12)), call("B", other, started=at(11))))

    assert [row["breaches"] for row in rows] == [["calls_per_day"], [], [], []]
    assert ContactAttempt.objects.get(external_id="D").breached_rules == ["calls_per_day"]


def test_calls_already_recorded_count_against_the_batch(dialer, case):
    results(post(dialer, *[call(f"A{n}", case, started=at(9 + n)) for n in range(3)]))
    [row] = results(post(dialer, call("A4", case, started=at(15))))
    assert row["breaches"] == ["calls_per_day"]


def test_a_call_during_a_hold_is_a_breach_of_it_and_one_after_its_release_is_not(dialer, case, supervisor):
    from cases.holds import case_hold_place, case_hold_release

    hold = case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=supervisor, reason="Complaint filed.",
                           at=at(9))
    case_hold_release(hold=CaseHold.objects.get(pk=hold.pk), actor=supervisor, reason="Resolved.", at=at(12))
    rows = results(post(dialer, call("DURING", case, started=at(10)), call("AFTER", case, started=at(13))))
    assert [row["breaches"] for row in rows] == [["holds"], []]


def test_a_supervisors_exception_covers_one_call_and_is_used_up(dialer, case, supervisor):
    exception = contact_exception_grant(case=case, actor=supervisor, reason="Asked to be called late.",
                                        valid_from=at(20, day=29), hours=3)
    rows = results(post(dialer, call("LATE-1", case, started=at(21, 3, day=29)),
                        call("LATE-2", case, started=at(21, 30, day=29))))

    assert [row["breaches"] for row in rows] == [[], ["hours"]]
    assert ContactAttempt.objects.get(external_id="LATE-1").exception == exception
    assert ContactException.objects.get(pk=exception.pk).used_at is not None


def test_the_same_batch_sent_again_answers_duplicate_and_records_nothing_more(dialer, case):
    items = [call("R1", case, started=at(21, 30, day=29)), call("R2", case, started=at(10))]
    first = results(post(dialer, *items))
    again = results(post(dialer, *items))

    assert [row["result"] for row in first] == ["recorded", "recorded"]
    assert [(row["result"], row["attempt_id"], row["breaches"]) for row in again] == [
        ("duplicate", first[0]["attempt_id"], ["hours"]), ("duplicate", first[1]["attempt_id"], [])]
    assert ContactAttempt.objects.count() == 2


def test_a_call_repeated_within_the_batch_is_a_duplicate(dialer, case):
    rows = results(post(dialer, call("R1", case), call("R1", case), call("R1", case, result="right_party")))
    assert [row["result"] for row in rows] == ["recorded", "duplicate", "rejected"]
    assert rows[2]["errors"][0]["field"] == "items[2].external_id"
    assert ContactAttempt.objects.count() == 1


def test_bad_items_are_rejected_with_their_field_paths_and_never_block_the_others(dialer, case):
    rows = results(post(
        dialer,
        call("OK-1", case),
        call("BAD-1", case, direction="sideways"),
        call("BAD-2", case, duration_seconds=-1, recording={"ref": "", "sha256": "XYZ"}),
        call("BAD-3", case, started_at="2026-11-30T10:00:00"),
        call("BAD-4", case, started_at=at(18).isoformat()),  # an hour ahead of the clock
        call("BAD-5", case, reason="bad_luck", colour="blue"),
        "not a call",
        call("OK-2", case, started=at(11)),
    ))

    assert [row["result"] for row in rows] == ["recorded"] + ["rejected"] * 6 + ["recorded"]
    fields = [sorted((e["field"], e["code"]) for e in row["errors"]) for row in rows[1:7]]
    assert fields == [
        [("items[1].direction", "invalid_choice")],
        [("items[2].duration_seconds", "min_value"), ("items[2].recording.ref", "blank"),
         ("items[2].recording.sha256", "sha256_invalid")],
        [("items[3].started_at", "offset_required")],
        [("items[4].started_at", "occurred_in_future")],
        [("items[5].colour", "unknown_field"), ("items[5].reason", "invalid_choice")],
        [("items[6]", "invalid")],
    ]
    assert set(ContactAttempt.objects.values_list("external_id", flat=True)) == {"OK-1", "OK-2"}


def test_an_unknown_account_or_agent_is_rejected(dialer, case):
    rows = results(post(dialer, call("U1", case, account_number="6222999999999999"),
                        call("U2", case, agent="nobody")))
    assert [(row["result"], row["errors"][0]["field"], row["errors"][0]["code"]) for row in rows] == [
        ("rejected", "items[0].account_number", "unknown_account"), ("rejected", "items[1].agent", "unknown_agent")]
    assert not ContactAttempt.objects.exists()


def test_a_call_with_no_agent_is_logged_by_the_telephony_system(dialer, case):
    results(post(dialer, call("AUTO", case)))
    attempt = ContactAttempt.objects.get()
    assert attempt.actor is None and attempt.actor_label == "telephony"


def test_the_number_is_matched_to_the_cardholders_contact_point(dialer, case):
    point = ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.EMERGENCY,
                                        relationship="sister", phone="+86 139 0000 0001")
    [row] = results(post(dialer, call("TP", case, number="+8613900000001")))

    attempt = ContactAttempt.objects.get()
    assert attempt.contact_point == point and attempt.third_party is True
    # Nobody was tried three times on the cardholder's own numbers first.
    assert row["breaches"] == ["third_party"]


def test_an_outbound_call_answers_the_pending_call_task_and_an_inbound_one_does_not(dialer, case):
    task = ScheduledContact.objects.create(case=case, channel="call", due_at=at(8), idempotency_key="task-1")
    results(post(dialer, call("IN", case, direction="inbound", started=at(9))))
    task.refresh_from_db()
    assert task.status == ContactStatus.SCHEDULED

    results(post(dialer, call("OUT", case, started=at(10))))
    task.refresh_from_db()
    attempt = ContactAttempt.objects.get(external_id="OUT")
    assert task.status == ContactStatus.DONE and task.trail[-1]["attempt"] == attempt.pk
    assert attempt.scheduled_contact == task


def test_a_dispute_raised_on_a_call_puts_the_case_on_hold(dialer, case):
    results(post(dialer, call("DISP", case, result="dispute")))
    assert CaseHold.objects.filter(case=case, kind=HoldKind.DISPUTE, released_at__isnull=True).exists()


def test_the_calls_appear_among_the_case_contacts(dialer, case, reader):
    results(post(dialer, call("LATE", case, started=at(21, 3, day=29))))
    response = reader.get(f"/api/v1/cases/{case.pk}/contacts/")
    [attempt] = response.json()["attempts"]
    assert attempt["direction"] == "outbound" and attempt["source"] == "telephony"
    assert attempt["occurred_at"] == at(21, 3, day=29).astimezone(dt.UTC).isoformat()
    assert attempt["breach"] is True and attempt["breached_rules"] == ["hours"]
    assert attempt["recording"] == {"ref": "REC-LATE", "sha256": "a" * 64, "keep_until": "2030-01-31"}
    assert attempt["external_id"] == "LATE" and attempt["number"] == "****8000"


def test_a_client_without_the_telephony_scope_is_refused(core_system, case):
    response = post(core_system, call("X", case))
    assert response.status_code == 403
    assert not ContactAttempt.objects.exists()


def test_the_telephony_scope_alone_reads_nothing(dialer, case):
    assert dialer.get(f"/api/v1/cases/{case.pk}/contacts/").status_code == 403


def test_a_batch_holds_at_most_1000_calls(dialer, case):
    response = post(dialer, *[call(f"C{n}", case) for n in range(1001)])
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "items", "code": "too_many_items",
                                            "message": "A batch holds at most 1000 items."}
    assert not ContactAttempt.objects.exists()


def test_a_batch_of_1000_calls_is_taken(dialer, case):
    rows = results(post(dialer, *[call(f"C{n}", case, started=at(8) + dt.timedelta(seconds=n)) for n in range(1000)]))
    assert len(rows) == 1000 and {row["result"] for row in rows} == {"recorded"}
    # Three calls a day per cardholder: the fourth and every later one broke the daily limit.
    assert [bool(row["breaches"]) for row in rows[:4]] == [False, False, False, True]
