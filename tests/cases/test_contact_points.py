"""Staff add contact points and mark numbers wrong; a number reported wrong is never offered again."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from cases.contact_points import Standing, contact_point_add, contact_point_mark_wrong, number_standing
from cases.lifecycle import Stage
from cases.models import ContactPoint, ContactPointKind, ContactPointSource
from contacts.models import AttemptResult, Channel, ContactAttempt
from contacts.services import contact_attempt_log
from core.errors import DomainError, Forbidden
from tests.escalation.conftest import default_policy  # noqa: F401
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__phone="13912345678")


def page(client, case) -> str:
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def post(client, case, url_name, *args, **data):
    return client.post(reverse(url_name, args=[case.pk, *args]), data,
                       **htmx_from(reverse("cases:detail", args=[case.pk])))


def offered(client, case) -> list[str]:
    return [key for key, _label in client.get(reverse("cases:detail", args=[case.pk])).context[
        "attempt_form"].fields["number"].choices if key]


POINT = {"kind": "emergency", "relationship": "sister", "name": "李娜", "phone": "13700001111", "address": "",
         "source": "cardholder", "source_note": "The cardholder said on the call."}


def test_an_agent_adds_a_point_with_its_source_and_it_is_audited_masked(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(agent)
    body = case_page_after(client, post(client, case, "cases:contact-point-create", **POINT), case)
    added = ContactPoint.objects.get(customer=case.account.customer)
    assert (added.kind, added.phone, added.source, added.source_note, added.added_by_label) == (
        "emergency", "13700001111", "cardholder", "The cardholder said on the call.", agent.username)
    assert "Contact point added." in messages_of(body)
    panel = body[body.index('id="contact-points-panel"'):]
    assert "13700001111" not in body and "1111" in panel and "Emergency contact" in panel
    record = AuditRecord.objects.get(action="contact_point.added")
    assert "13700001111" not in str(record.changes) and record.case_id == case.pk


def test_a_refused_point_shows_the_error_beside_the_field_and_keeps_what_was_typed(client, agent, case):
    client.force_login(agent)
    response = post(client, case, "cases:contact-point-create", **{**POINT, "source_note": ""})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="cp-source_note_error"' in body
    assert 'value="13700001111"' in body and 'value="sister"' in body
    response = post(client, case, "cases:contact-point-create", **{**POINT, "phone": "13912345678"})
    assert "already on file" in response.content.decode() and 'id="cp-phone_error"' in response.content.decode()
    assert not ContactPoint.objects.exists()


def test_only_staff_who_work_cases_change_contact_points(case, compliance, agent):
    with pytest.raises(Forbidden):
        contact_point_add(customer=case.account.customer, actor=compliance, kind="home", source="staff",
                          source_note="skip-tracing", phone="01066667777")
    point = contact_point_add(customer=case.account.customer, actor=agent, kind="home", source="staff",
                              source_note="skip-tracing", phone="01066667777")
    with pytest.raises(Forbidden):
        contact_point_mark_wrong(point=point, actor=compliance, reason="x")
    with pytest.raises(DomainError):
        contact_point_add(customer=case.account.customer, actor=agent, kind="home", source="core",
                          source_note="made up", phone="01066660000")


def test_a_number_reported_wrong_is_never_offered_again(client, agent, case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    home = ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.HOME, phone="01066667777")
    client.force_login(agent)
    assert offered(client, case) == ["primary", f"point-{home.pk}"]
    case_page_after(client, post(client, case, "cases:contact-point-wrong", home.pk, reason="A shop answered."), case)
    case_page_after(client, post(client, case, "cases:primary-number-wrong", reason="Number not in service."), case)
    assert offered(client, case) == []
    body = page(client, case)
    assert body.count("reported wrong") >= 2
    assert {r.action for r in AuditRecord.objects.filter(case_id=case.pk)} >= {"contact_point.marked_wrong"}
    # Nor is it taken back: staff adding it again are refused, and a call to it is a breach.
    with pytest.raises(DomainError):
        contact_point_add(customer=case.account.customer, actor=agent, kind="home", source="staff",
                          source_note="again", phone="01066667777")
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                                  number="13912345678")
    assert attempt.breached_rules == ["wrong_number_dialled"]


def test_marking_wrong_without_a_reason_keeps_the_number_and_says_why(client, agent, case):
    client.force_login(agent)
    response = post(client, case, "cases:primary-number-wrong", reason="  ")
    assert response.status_code == 200 and 'id="wrong-primary-error"' in response.content.decode()
    assert offered(client, case) == ["primary"]


def test_a_call_logged_as_wrong_number_marks_that_number_wrong_in_the_agents_name(case, agent, time_machine):
    time_machine.move_to(MORNING, tick=False)
    sister = ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.EMERGENCY,
                                         phone="13700001111")
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.WRONG_NUMBER,
                        number="13912345678")
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.WRONG_NUMBER,
                        contact_point=sister)
    sister.refresh_from_db()
    assert sister.wrong_by_label == agent.username and sister.wrong_at is not None
    customer = case.account.customer
    assert number_standing(customer=customer, number="13912345678") == Standing.WRONG
    mirror = ContactPoint.objects.get(customer=customer, kind=ContactPointKind.MOBILE)
    assert mirror.source == ContactPointSource.STAFF and mirror.wrong_by_label == agent.username
    assert ContactAttempt.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(("language", "heading", "wrong"), [("en", "Contact points", "Mark wrong"),
                                                            ("zh-hans", "联系方式", "标记为错误号码")])
def test_the_panel_reads_in_both_languages(client, agent, case, language, heading, wrong):
    ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.EMPLOYER, phone="01065550000")
    agent.profile.language = language
    agent.profile.save()
    client.force_login(agent)
    body = page(client, case)
    panel = body[body.index('id="contact-points-panel"'):]
    assert heading in panel and wrong in panel
