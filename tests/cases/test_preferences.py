"""A cardholder's contact preferences: statements kept, the newest wins, the pass is told."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.ingest import accounts_ingest
from cases.models import ContactPreferenceStatement, Customer, PreferenceKind, PreferenceSource
from cases.preferences import customer_preferences, preference_state
from core.errors import DomainError
from escalation.models import EscalationPending
from tests.cases.test_ingest import snapshot
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, agent):
    return CaseFactory(assigned_team=team, assigned_agent=agent)


def test_the_newest_statement_wins_whatever_its_source_and_the_history_stays(case, agent):
    customer = case.account.customer
    now = timezone.now()
    preference_state(customer=customer, kind=PreferenceKind.LANGUAGE, value={"language": "en"}, actor=agent,
                     source=PreferenceSource.CARDHOLDER_PHONE, stated_at=now - dt.timedelta(days=2))
    preference_state(customer=customer, kind=PreferenceKind.LANGUAGE, value={"language": "zh-hans"},
                     actor="core-system", source=PreferenceSource.CORE, stated_at=now - dt.timedelta(days=1))
    assert customer_preferences(customer=customer).language == "zh-hans"
    assert Customer.objects.get(pk=customer.pk).language == "zh-hans"
    # A statement recorded late but made earlier does not overrule a newer one.
    preference_state(customer=customer, kind=PreferenceKind.LANGUAGE, value={"language": "en"}, actor=agent,
                     source=PreferenceSource.LETTER, stated_at=now - dt.timedelta(days=3))
    assert customer_preferences(customer=customer).language == "zh-hans"
    assert ContactPreferenceStatement.objects.filter(customer=customer).count() == 3


def test_an_opt_out_and_an_opt_back_in(case, agent):
    customer = case.account.customer
    preference_state(customer=customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="sms", value={"opted_out": True},
                     actor=agent, source=PreferenceSource.CARDHOLDER_PHONE)
    prefs = customer_preferences(customer=customer)
    assert prefs.refusal(channel="sms")[0] == PreferenceKind.OPT_OUT_CHANNEL
    assert prefs.refusal(channel="email") is None
    preference_state(customer=customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="sms", value={"opted_out": False},
                     actor=agent, source=PreferenceSource.CARDHOLDER_PHONE)
    assert customer_preferences(customer=customer).refusal(channel="sms") is None


def test_a_window_must_end_after_it_starts(case, agent):
    with pytest.raises(DomainError) as refused:
        preference_state(customer=case.account.customer, kind=PreferenceKind.WINDOW,
                         value={"from": "18:00", "until": "09:00"}, actor=agent, source=PreferenceSource.LETTER)
    assert refused.value.field == "window_until"


def test_a_statement_marks_the_cardholders_open_cases_for_the_pass(case, agent):
    EscalationPending.objects.all().delete()
    preference_state(customer=case.account.customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="email",
                     value={"opted_out": True}, actor=agent, source=PreferenceSource.CARDHOLDER_PHONE)
    assert EscalationPending.objects.filter(case=case).exists()


def test_staff_record_a_preference_on_the_case_page(client, agent, case):
    client.force_login(agent)
    url = reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("cases:preference-state", args=[case.pk]), {
        "kind": PreferenceKind.WINDOW, "answer": "yes", "window_from": "18:00", "window_until": "20:00",
        "source": PreferenceSource.CARDHOLDER_PHONE}, **htmx_from(url))
    page = case_page_after(client, response, case)
    assert "Preference recorded." in messages_of(page)
    assert "Preferred time: 18:00–20:00" in page
    statement = ContactPreferenceStatement.objects.get(customer=case.account.customer)
    assert statement.value == {"from": "18:00", "until": "20:00"} and statement.recorded_by == agent


def test_a_refused_preference_form_shows_the_error_beside_the_field(client, agent, case):
    client.force_login(agent)
    body = client.post(reverse("cases:preference-state", args=[case.pk]), {
        "kind": PreferenceKind.OPT_OUT_CHANNEL, "answer": "yes", "source": PreferenceSource.CARDHOLDER_PHONE}).content
    assert b"Choose the channel." in body and not ContactPreferenceStatement.objects.exists()


def test_snapshot_preferences_are_recorded_once_and_a_later_change_overrules_the_cardholder(agent):
    now = timezone.now()
    first = snapshot("6222001", now - dt.timedelta(days=2))
    first.preferences = {"language": "en", "opt_out_channels": {"letter": True}}
    accounts_ingest(snapshots=[first])
    customer = Customer.objects.get(external_id="C6222001")
    again = snapshot("6222001", now - dt.timedelta(days=1))
    again.preferences = {"language": "en", "opt_out_channels": {"letter": True}}
    preference_state(customer=customer, kind=PreferenceKind.LANGUAGE, value={"language": "zh-hans"}, actor=agent,
                     source=PreferenceSource.CARDHOLDER_PHONE, stated_at=now - dt.timedelta(days=1, hours=12))
    accounts_ingest(snapshots=[again])
    # The same view repeated is no new statement, so the cardholder's word stands.
    assert ContactPreferenceStatement.objects.filter(source=PreferenceSource.CORE).count() == 2
    assert customer_preferences(customer=customer).language == "zh-hans"
    changed = snapshot("6222001", now - dt.timedelta(hours=1))
    changed.preferences = {"language": "en"}
    accounts_ingest(snapshots=[changed])
    assert ContactPreferenceStatement.objects.filter(source=PreferenceSource.CORE).count() == 2
    changed = snapshot("6222001", now)
    changed.preferences = {"language": "zh-hans", "opt_out_channels": {"letter": False}}
    accounts_ingest(snapshots=[changed])
    prefs = customer_preferences(customer=customer)
    assert prefs.language == "zh-hans" and "letter" not in prefs.opted_out_channels
