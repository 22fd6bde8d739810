"""The governor honours the cardholder's preferences: opt-outs refuse, the preferred window holds
automated contacts, and a staff call outside it is a warning (CN) or a breach (US)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.models import PreferenceKind, PreferenceSource
from cases.preferences import preference_state
from contacts.governor import governor_check, reason_text
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
from tests.contacts.test_governor import case_in, failed_rules

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
STATED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def on_file(case, *numbers):
    """The numbers as the cardholder's own: the first on their record, the others as mobile points."""
    from cases.models import ContactPoint, ContactPointKind

    customer = case.account.customer
    customer.phone = numbers[0]
    customer.save()
    for number in numbers[1:]:
        ContactPoint.objects.create(customer=customer, kind=ContactPointKind.MOBILE, phone=number)
    return case


def state(case, kind, **kwargs):
    return preference_state(customer=case.account.customer, kind=kind, actor="agent", stated_at=STATED,
                            source=kwargs.pop("source", PreferenceSource.CARDHOLDER_PHONE), **kwargs)


def test_an_opted_out_channel_is_refused_for_good_and_the_trail_names_the_preference():
    case = case_in("Asia/Shanghai")
    state(case, PreferenceKind.OPT_OUT_CHANNEL, target="email", value={"opted_out": True})
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    verdict = governor_check(case=case, channel=Channel.EMAIL, at=at)
    assert not verdict.allowed and failed_rules(verdict) == ["preferences"]
    assert verdict.next_permitted_at is None
    failure = verdict.failed[0]
    assert failure["figures"]["preference"] == PreferenceKind.OPT_OUT_CHANNEL
    assert "Opt-out of a channel" in reason_text(failure) and "by phone" in reason_text(failure)
    assert governor_check(case=case, channel=Channel.SMS, at=at).allowed


def test_a_number_opted_out_refuses_calls_to_it_only():
    case = on_file(case_in("Asia/Shanghai"), "13900000001", "13900000002")
    state(case, PreferenceKind.OPT_OUT_NUMBER, target="13900000001", value={"opted_out": True})
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number="13900000001")) == ["preferences"]
    assert governor_check(case=case, channel=Channel.CALL, at=at, number="13900000002").allowed


def test_automated_contacts_wait_for_the_preferred_window():
    case = case_in("Asia/Shanghai")
    state(case, PreferenceKind.WINDOW, value={"from": "18:00", "until": "20:00"})
    verdict = governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH))
    assert failed_rules(verdict) == ["preferred_window"]
    assert verdict.next_permitted_at == dt.datetime(2026, 11, 30, 18, 0, tzinfo=SH)
    late = governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 11, 30, 20, 30, tzinfo=SH))
    assert late.next_permitted_at == dt.datetime(2026, 12, 1, 18, 0, tzinfo=SH)
    assert governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 11, 30, 19, 0, tzinfo=SH)).allowed
    # A letter is posted, not received at a moment.
    assert governor_check(case=case, channel=Channel.LETTER, at=dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)).allowed


def test_a_staff_call_outside_the_window_is_a_warning_under_the_cn_profile():
    case = on_file(case_in("Asia/Shanghai"), "13800000000")
    state(case, PreferenceKind.WINDOW, value={"from": "18:00", "until": "20:00"})
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    verdict = governor_check(case=case, channel=Channel.CALL, at=at, by_staff=True)
    assert verdict.allowed
    assert [w["rule"] for w in verdict.warnings] == ["preferred_window"]
    assert verdict.as_trail()["warnings"][0]["figures"]["start"] == "18:00"
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor="agent", result=AttemptResult.NO_ANSWER,
                                  occurred_at=at, now=at + dt.timedelta(minutes=5), number="13800000000")
    assert attempt.breached_rules == [] and attempt.verdict["warnings"][0]["rule"] == "preferred_window"


def test_a_staff_call_outside_the_window_is_a_breach_under_the_us_profile():
    case = on_file(case_in("America/New_York"), "2125550100")
    state(case, PreferenceKind.WINDOW, value={"from": "18:00", "until": "20:00"})
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=NY)
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor="agent", result=AttemptResult.NO_ANSWER,
                                  occurred_at=at, now=at + dt.timedelta(minutes=5), number="2125550100")
    assert attempt.breached_rules == ["preferred_window"]


def test_calls_at_work_are_refused_to_the_work_number():
    from cases.models import ContactPoint, ContactPointKind

    case = on_file(case_in("Asia/Shanghai"), "13800000000")
    ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.WORK, phone="02155550000")
    state(case, PreferenceKind.OPT_OUT_WORK_CALLS, value={"opted_out": True})
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number="02155550000")) == ["preferences"]
    assert governor_check(case=case, channel=Channel.CALL, at=at, number="13800000000").allowed
