import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.lifecycle import Stage
from cases.queue import queue_for_agent
from contacts.models import ContactAttempt, Origin, ScheduledContact
from staff.models import StaffProfile
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
NIGHT = dt.datetime(2026, 11, 30, 22, 30, tzinfo=SH)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__phone="13912345678",
                       account__customer__other_phones=["13700001111"])


def log(client, case, **data):
    values = {"channel": "call", "direction": "outbound", "occurred_at": "", "number": "primary",
              "result": "no_answer", "delinquency_reason": "", "notes": ""} | data
    return client.post(reverse("contacts:attempt-create", args=[case.pk]), values,
                       **htmx_from(reverse("cases:detail", args=[case.pk])))


def test_the_case_page_shows_the_governors_verdict_before_a_call(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    assert client.get(reverse("cases:detail", args=[case.pk])).context["call_verdict"].allowed
    time_machine.move_to(NIGHT, tick=False)
    client.force_login(agent)  # a new session: the idle timeout would end the morning's
    night = client.get(reverse("cases:detail", args=[case.pk]))
    assert not night.context["call_verdict"].allowed
    assert 'class="verdict no"' in night.content.decode()
    assert "<strong>Outside contact hours</strong>" in night.content.decode()


def test_an_agent_logs_a_no_answer_call_and_the_page_says_so(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = case_page_after(client, log(client, case, notes="rang twice"), case)
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.result, attempt.number, attempt.actor) == ("no_answer", "13912345678", agent)
    assert "Contact logged." in messages_of(body) and "rang twice" in body[body.index('id="timeline"'):]


def test_the_numbers_are_offered_masked(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "13912345678" not in body and "13700001111" not in body
    assert "5678" in body and "1111" in body


def test_a_call_the_rules_refuse_is_logged_as_a_breach_and_the_agent_is_warned(client, agent, case, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "recorded as a breach of the contact rules" in page  # warned before the call
    body = case_page_after(client, log(client, case), case)
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.breached_rules == ["hours"]
    assert "it is recorded as a breach" in messages_of(body)
    assert 'id="contact-breaches"' in body
    timeline = body[body.index('id="timeline"'):]
    assert 'class="t-breach"' in timeline and "breach of the contact rules: Outside contact hours" in timeline


def test_the_breach_reads_in_chinese_on_the_case_page(client, agent, case, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    client.force_login(agent)
    log(client, case)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "违反联系规则" in body and "不在允许联系的时段" in body


def test_a_call_made_at_2058_and_logged_at_2101_is_no_breach(client, agent, case, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 21, 1, tzinfo=SH), tick=False)
    client.force_login(agent)
    log(client, case, occurred_at="2026-11-30T20:58")
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.occurred_at == dt.datetime(2026, 11, 30, 20, 58, tzinfo=SH) and attempt.breached_rules == []


def test_a_time_in_the_future_shows_beside_the_field_and_keeps_what_was_typed(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = log(client, case, occurred_at="2026-11-30T12:00", notes="typed notes").content.decode()
    assert 'id="ca-occurred_at_error"' in body and "typed notes" in body
    assert not ContactAttempt.objects.exists()


def test_a_conversation_asks_why_the_account_fell_behind(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = log(client, case, result="right_party").content.decode()
    assert 'id="ca-delinquency_reason_error"' in body
    log(client, case, result="right_party", delinquency_reason="lost_income")
    assert ContactAttempt.objects.get(case=case).delinquency_reason == "lost_income"


def test_an_agent_cannot_authorise_an_exception(client, agent, case):
    client.force_login(agent)
    assert 'id="exception-form"' not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.post(reverse("contacts:exception-create", args=[case.pk]), {"reason": "Urgent", "single_use": "on"})
    assert not case.contact_exceptions.exists()


def test_a_supervisor_authorises_an_exception_and_the_agents_call_is_not_a_breach(
        client, agent, supervisor, case, time_machine):
    time_machine.move_to(NIGHT - dt.timedelta(minutes=20), tick=False)
    client.force_login(supervisor)
    response = client.post(reverse("contacts:exception-create", args=[case.pk]),
                           {"reason": "Cardholder asked to be rung back after work", "single_use": "on", "hours": ""},
                           **htmx_from(reverse("cases:detail", args=[case.pk])))
    assert "Exception authorised" in messages_of(case_page_after(client, response, case))
    time_machine.move_to(NIGHT, tick=False)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Exception authorised" in page and "rung back after work" in page
    log(client, case)
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.breached_rules == [] and attempt.exception.granted_by == supervisor


def test_an_exception_without_a_reason_is_refused_beside_the_field(client, supervisor, case):
    client.force_login(supervisor)
    body = client.post(reverse("contacts:exception-create", args=[case.pk]), {"reason": "", "single_use": "on"},
                       **htmx_from(reverse("cases:detail", args=[case.pk]))).content.decode()
    assert 'id="ce-reason_error"' in body and not case.contact_exceptions.exists()


def test_a_callback_lands_in_the_agents_queue_as_a_callback(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    log(client, case, result="right_party", delinquency_reason="forgot", callback_at="2026-12-01T10:30")
    callback = ScheduledContact.objects.get(case=case, origin=Origin.STAFF)
    assert callback.due_at == dt.datetime(2026, 12, 1, 10, 30, tzinfo=SH) and callback.assigned_to == agent
    assert ContactAttempt.objects.get(case=case).callback_requested

    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SH), tick=False)
    queue = list(queue_for_agent(user=agent))
    assert queue == [case] and queue[0].queue_rank == 20


def test_a_callback_at_night_is_refused_and_the_attempt_is_not_kept(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = log(client, case, result="right_party", delinquency_reason="forgot",
               callback_at="2026-12-01T23:00").content.decode()
    assert "Not permitted at 2026-12-01 23:00 (outside contact hours); next permitted 2026-12-02 08:00" in body
    assert not ContactAttempt.objects.exists() and not ScheduledContact.objects.exists()


def test_a_malformed_callback_time_shows_beside_the_field(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = log(client, case, callback_at="tomorrow").content.decode()
    assert 'id="ca-callback_at_error"' in body
    assert not ContactAttempt.objects.exists()


def test_a_failed_sms_delivery_shows_on_the_case_page_with_its_next_try(client, agent, case):
    ScheduledContact.objects.create(case=case, channel="sms", due_at=MORNING, idempotency_key=f"{case.pk}:sms:1",
                                    delivery_attempts=2, last_error="sms: provider answered 500")
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="delivery-problems"' in page
    assert "sms: provider answered 500" in page and "2 attempts" in page


def test_logging_a_call_from_the_case_page_clears_the_policy_call_task_from_the_queue(
        client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    task = ScheduledContact.objects.create(case=case, channel="call", due_at=MORNING - dt.timedelta(hours=3),
                                           origin=Origin.POLICY, rule="T2.call", idempotency_key="T2.call:x")
    assert [c.queue_rank for c in queue_for_agent(user=agent)] == [10]
    client.force_login(agent)
    assert log(client, case, result="refused", delinquency_reason="overspending").status_code == 200
    task.refresh_from_db()
    assert task.status == "done"
    assert [c.queue_rank for c in queue_for_agent(user=agent)] != [10]


def test_save_and_next_logs_the_outcome_and_opens_the_next_claimed_case(client, agent, case, team, time_machine):
    time_machine.move_to(MORNING, tick=False)
    following = CaseFactory(stage=Stage.CONFIRM, assigned_team=team)
    client.force_login(agent)
    response = log(client, case, next="1")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:detail", args=[following.pk])
    assert ContactAttempt.objects.filter(case=case).count() == 1
    following.refresh_from_db()
    assert following.claimed_by == agent
    plain = client.post(reverse("contacts:attempt-create", args=[following.pk]),
                        {"channel": "call", "number": "", "result": "no_answer", "next": "1"})
    # The first case was let go when the agent moved on, so it is the one handed out now.
    assert plain.status_code == 302 and plain["Location"] == reverse("cases:detail", args=[case.pk])
    plain = client.post(reverse("contacts:attempt-create", args=[case.pk]),
                        {"channel": "call", "number": "", "result": "no_answer", "next": "1"})
    assert plain["Location"] == reverse("cases:detail", args=[following.pk])


def test_a_breach_logged_with_save_and_next_stays_on_the_case_to_be_seen(client, agent, case, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    client.force_login(agent)
    response = log(client, case, next="1")
    assert "HX-Redirect" not in response and response.headers.get("HX-Refresh") == "true"
    assert ContactAttempt.objects.get(case=case).breached_rules == ["hours"]


def test_a_failed_delivery_reads_in_the_agents_language(client, agent, case):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    ScheduledContact.objects.create(case=case, channel="sms", due_at=MORNING, idempotency_key=f"{case.pk}:sms:1",
                                    delivery_attempts=2, last_error="sms: provider answered 500")
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "短信：服务商返回 500" in page


@pytest.mark.parametrize("outcome", ["cured", "settled", "recalled", "written_off"])
def test_a_closed_case_says_no_contact_is_planned_rather_than_that_a_call_is_allowed(
        client, agent, team, outcome, time_machine):
    time_machine.move_to(MORNING, tick=False)
    closed = CaseFactory(stage=Stage.CLOSED, outcome=outcome, closed_at=MORNING, assigned_team=team,
                         account__customer__phone="13912345678")
    client.force_login(agent)
    response = client.get(reverse("cases:detail", args=[closed.pk]))
    body = response.content.decode()
    assert "A call is allowed now." not in body and "Not now." not in body
    assert '<p class="verdict" role="status" id="contact-closed">No contact is planned: the case is closed.</p>' in body
    assert response.context["call_verdict"] is None
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    body = client.get(reverse("cases:detail", args=[closed.pk])).content.decode()
    assert "未安排任何联系：案件已结案。" in body
