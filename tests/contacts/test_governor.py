"""Each governor rule, in Asia/Shanghai and in America/New_York, including across daylight-saving changes."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import HoldKind, Stage
from cases.models import ContactPoint, ContactPointKind
from cases.services import case_hold_place
from contacts.governor import PURPOSE_INSTALMENT_REMINDER, governor_check
from contacts.models import AttemptResult, Channel, ContactAttempt, JurisdictionProfile
from core.actors import SYSTEM
from events.models import Event, EventType
from repayment_plans.models import Promise
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def case_in(zone: str, **kwargs):
    account = AccountFactory(customer=CustomerFactory(timezone=zone))
    return CaseFactory(account=account, stage=Stage.CONTACT, **kwargs)


def call(case, at, result=AttemptResult.NO_ANSWER, number="13800000000", **kwargs):
    return ContactAttempt.objects.create(case=case, channel=Channel.CALL, occurred_at=at, result=result, number=number,
                                         actor_label="agent", **kwargs)


def failed_rules(verdict):
    return [f["rule"] for f in verdict.failed]


# --- hours ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("local", "allowed"), [
    (dt.datetime(2026, 11, 30, 7, 59), False), (dt.datetime(2026, 11, 30, 8, 0), True),
    (dt.datetime(2026, 11, 30, 20, 59), True), (dt.datetime(2026, 11, 30, 21, 0), False),
])
def test_contact_hours_are_judged_in_shanghai_time(local, allowed):
    case = case_in("Asia/Shanghai")
    verdict = governor_check(case=case, channel=Channel.SMS, at=local.replace(tzinfo=SH))
    assert verdict.allowed is allowed
    assert ("hours" in failed_rules(verdict)) is (not allowed)


@pytest.mark.django_db
def test_a_contact_at_night_in_shanghai_may_happen_at_eight_next_morning():
    case = case_in("Asia/Shanghai")
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 30, 22, 30, tzinfo=SH))
    assert verdict.next_permitted_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH)


@pytest.mark.django_db
def test_new_york_hours_follow_the_clock_change_in_autumn():
    # Summer time ends on 1 November 2026: 08:00 that morning is 13:00 UTC, not 12:00.
    case = case_in("America/New_York")
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 10, 31, 21, 30, tzinfo=NY))
    assert not verdict.allowed and verdict.profile == "US"
    assert verdict.next_permitted_at == dt.datetime(2026, 11, 1, 13, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_new_york_hours_follow_the_clock_change_in_spring():
    # Summer time starts on 8 March 2026: 08:00 that morning is 12:00 UTC.
    case = case_in("America/New_York")
    verdict = governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 3, 8, 7, 30, tzinfo=NY))
    assert verdict.next_permitted_at == dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)
    assert governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)).allowed


@pytest.mark.django_db
def test_letters_are_not_bound_to_contact_hours():
    case = case_in("Asia/Shanghai")
    assert governor_check(case=case, channel=Channel.LETTER, at=dt.datetime(2026, 11, 30, 3, 0, tzinfo=SH)).allowed


# --- call frequency -------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_an_eighth_call_in_seven_days_is_refused_until_the_oldest_ages_out(zone):
    tz = ZoneInfo(zone)
    case = case_in(zone)
    first = dt.datetime(2026, 11, 23, 10, 0, tzinfo=tz)
    for day in range(7):
        call(case, first + dt.timedelta(days=day))
    at = dt.datetime(2026, 11, 29, 15, 0, tzinfo=tz)
    verdict = governor_check(case=case, channel=Channel.CALL, at=at)
    assert "calls_per_window" in failed_rules(verdict)
    assert verdict.next_permitted_at == first + dt.timedelta(days=7)


@pytest.mark.django_db
def test_new_york_seven_day_window_spans_the_clock_change():
    # Seven calls from 26 October 09:00 EDT; the first ages out 7×24 hours later, which after the change
    # is 08:00 EST on 2 November (not 09:00 wall-clock time).
    case = case_in("America/New_York")
    first = dt.datetime(2026, 10, 26, 9, 0, tzinfo=NY)
    for day in range(7):
        call(case, first + dt.timedelta(days=day))
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 1, 18, 0, tzinfo=NY))
    assert failed_rules(verdict) == ["calls_per_window"]
    assert verdict.next_permitted_at == dt.datetime(2026, 11, 2, 8, 0, tzinfo=NY)


@pytest.mark.django_db
def test_cn_allows_three_calls_a_day_and_the_fourth_waits_for_tomorrow():
    case = case_in("Asia/Shanghai")
    for hour in (9, 11, 13):
        call(case, dt.datetime(2026, 11, 30, hour, 0, tzinfo=SH))
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 30, 15, 0, tzinfo=SH))
    assert failed_rules(verdict) == ["calls_per_day"]
    assert verdict.next_permitted_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH)


@pytest.mark.django_db
def test_us_has_no_daily_call_limit_below_seven_in_seven():
    case = case_in("America/New_York")
    for hour in (9, 11, 13):
        call(case, dt.datetime(2026, 11, 30, hour, 0, tzinfo=NY))
    assert governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 30, 15, 0, tzinfo=NY)).allowed


@pytest.mark.django_db
def test_cn_never_allows_a_seventh_unanswered_call_to_one_number_in_a_day():
    JurisdictionProfile.objects.filter(code="CN").update(calls_per_day=None, calls_per_window=20)
    case = case_in("Asia/Shanghai")
    own, home = case.account.customer.phone, "13900000002"
    ContactPoint.objects.create(customer=case.account.customer, kind=ContactPointKind.HOME, phone=home)
    for hour in range(9, 15):
        call(case, dt.datetime(2026, 11, 30, hour, 0, tzinfo=SH), number=own)
    at = dt.datetime(2026, 11, 30, 16, 0, tzinfo=SH)
    refused = governor_check(case=case, channel=Channel.CALL, at=at, number=own)
    assert failed_rules(refused) == ["unanswered_per_number"]
    assert governor_check(case=case, channel=Channel.CALL, at=at, number=home).allowed


# --- quiet period ---------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_no_call_for_seven_days_after_a_conversation(zone):
    tz = ZoneInfo(zone)
    case = case_in(zone)
    talked = dt.datetime(2026, 11, 25, 10, 0, tzinfo=tz)
    call(case, talked, result=AttemptResult.REFUSED)
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 28, 10, 0, tzinfo=tz))
    assert failed_rules(verdict) == ["quiet_period"]
    assert verdict.next_permitted_at == talked + dt.timedelta(days=7)
    # SMS is not a call: the quiet period does not stop it.
    assert governor_check(case=case, channel=Channel.SMS, at=dt.datetime(2026, 11, 28, 10, 0, tzinfo=tz)).allowed


@pytest.mark.django_db
def test_a_requested_callback_lifts_the_quiet_period():
    case = case_in("Asia/Shanghai")
    call(case, dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH), result=AttemptResult.RIGHT_PARTY,
         callback_requested=True)
    assert governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 26, 10, 0, tzinfo=SH)).allowed


@pytest.mark.django_db
def test_a_broken_promise_lifts_the_quiet_period():
    case = case_in("Asia/Shanghai")
    call(case, dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH), result=AttemptResult.PROMISE)
    at = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SH)
    assert not governor_check(case=case, channel=Channel.CALL, at=at).allowed
    Event.objects.create(type=EventType.PROMISE_BROKEN, case=case, account_number=case.account.account_number,
                         occurred_at=dt.datetime(2026, 11, 27, 0, 0, tzinfo=SH))
    assert governor_check(case=case, channel=Channel.CALL, at=at).allowed


# --- holds and pauses -----------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_a_hold_stops_every_contact_with_no_time_given(zone):
    case = case_in(zone)
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="Disputes the fees.")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo(zone))
    for channel in (Channel.SMS, Channel.CALL, Channel.LETTER):
        verdict = governor_check(case=case, channel=channel, at=at)
        assert "holds" in failed_rules(verdict) and verdict.next_permitted_at is None


@pytest.mark.django_db
def test_a_promise_in_force_stops_calls_but_not_instalment_reminders():
    case = case_in("Asia/Shanghai")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    assert governor_check(case=case, channel=Channel.CALL, at=at).allowed
    Promise.objects.create(case=case, amount=Decimal("100.00"), currency="CNY", due_date=at.date(),
                           channel="call", taken_by_label="agent", taken_at=at)
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at)) == ["plan_pause"]
    assert governor_check(case=case, channel=Channel.SMS, at=at, purpose=PURPOSE_INSTALMENT_REMINDER).allowed


# --- third parties --------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_a_third_party_only_after_three_consecutive_failed_attempts(zone):
    tz = ZoneInfo(zone)
    case = case_in(zone)
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=tz)
    call(case, at - dt.timedelta(days=4), result=AttemptResult.NO_ANSWER)
    call(case, at - dt.timedelta(days=3), result=AttemptResult.NO_ANSWER)
    assert "third_party" in failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, to_third_party=True))
    call(case, at - dt.timedelta(days=2), result=AttemptResult.LEFT_MESSAGE)
    assert governor_check(case=case, channel=Channel.CALL, at=at, to_third_party=True).allowed


@pytest.mark.django_db
def test_an_invalid_number_opens_the_third_party_route_at_once():
    case = case_in("Asia/Shanghai")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    call(case, at - dt.timedelta(days=1), result=AttemptResult.WRONG_NUMBER)
    assert governor_check(case=case, channel=Channel.CALL, at=at, to_third_party=True).allowed


@pytest.mark.django_db
def test_an_allowed_verdict_lists_every_rule_it_passed():
    case = case_in("Asia/Shanghai")
    verdict = governor_check(case=case, channel=Channel.CALL, at=dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH))
    assert verdict.allowed and verdict.failed == []
    assert set(verdict.passed) == {"holds", "estate", "legal_stage", "plan_pause", "third_party",
                                   "wrong_number_dialled", "unknown_party", "hours", "calls_per_window",
                                   "calls_per_day", "unanswered_per_number", "quiet_period", "preferences",
                                   "preferred_window"}


# --- contact points: third parties, guarantors, numbers reported wrong or not on file --------------------

def point(case, kind, phone, **kwargs):
    return ContactPoint.objects.create(customer=case.account.customer, kind=kind, phone=phone, **kwargs)


@pytest.mark.django_db
def test_an_emergency_contact_is_dialled_only_after_three_failed_calls_to_the_cardholder():
    case = case_in("Asia/Shanghai")
    own = case.account.customer.phone
    sister = point(case, ContactPointKind.EMERGENCY, "13700001111", relationship="sister")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    for days in (4, 3):
        call(case, at - dt.timedelta(days=days), number=own)
    # The number alone says it reaches a third party, whatever the caller ticked.
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number=sister.phone)) == [
        "third_party"]
    call(case, at - dt.timedelta(days=2), number=own)
    assert governor_check(case=case, channel=Channel.CALL, at=at, number=sister.phone).allowed


@pytest.mark.django_db
def test_a_guarantor_may_be_called_about_the_guarantee_without_failed_attempts_first():
    case = case_in("Asia/Shanghai")
    guarantor = point(case, ContactPointKind.GUARANTOR, "13600002222")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    assert governor_check(case=case, channel=Channel.CALL, at=at, number=guarantor.phone).allowed


@pytest.mark.django_db
def test_a_number_on_file_nowhere_reaches_someone_unrelated_and_is_a_breach():
    case = case_in("Asia/Shanghai")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number="13511112222")) == [
        "unknown_party"]
    retired = point(case, ContactPointKind.HOME, "13511112222", retired_at=at - dt.timedelta(days=1))
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number=retired.phone)) == [
        "unknown_party"]  # replaced by the core system: no longer on file


@pytest.mark.django_db
def test_a_number_reported_wrong_is_a_breach_from_the_moment_it_was_reported():
    case = case_in("Asia/Shanghai")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    home = point(case, ContactPointKind.HOME, "01066667777", wrong_at=at - dt.timedelta(hours=1))
    assert failed_rules(governor_check(case=case, channel=Channel.CALL, at=at, number=home.phone)) == [
        "wrong_number_dialled"]
    earlier = at - dt.timedelta(hours=2)  # a call logged afterwards is judged as of when it happened
    assert governor_check(case=case, channel=Channel.CALL, at=earlier, number=home.phone, as_recorded=True).allowed


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label"), [("en", "A number not on file was dialled"),
                                                  ("zh-hans", "拨打了未登记的号码")])
def test_the_new_rules_read_in_both_languages(language, label):
    from django.utils import translation

    from contacts.governor import breach_text
    with translation.override(language):
        assert breach_text(["unknown_party"]) == label
