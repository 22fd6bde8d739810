"""The dialer's calls recorded in sets (contacts.telephony.telephony_attempts_record) are judged as one
call logged by staff is (contacts.services.contact_attempt_log): one judgement, two paths."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from contacts.models import AttemptResult, AttemptSource, Channel, ContactAttempt
from contacts.services import contact_attempt_log
from contacts.telephony import CallResult, DialerCall, telephony_attempts_record
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 23, 0, tzinfo=SH)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 30, hour, minute, tzinfo=SH)


def dialled(external_id: str, case, when: dt.datetime, number="+8613800138000") -> DialerCall:
    return DialerCall(external_id=external_id, account_number=case.account.account_number, direction="outbound",
                      number=number, started_at=when, result=AttemptResult.NO_ANSWER, duration_seconds=30)


def judged(attempt: ContactAttempt) -> tuple:
    return (list(attempt.breached_rules), attempt.verdict["allowed"], attempt.verdict["passed"],
            [(f["rule"], f["reason"], f["figures"], f["next_permitted_at"]) for f in attempt.verdict["failed"]])


@pytest.mark.parametrize("times", [
    [at(10), at(11), at(12), at(13)],  # the fourth call of the day
    [at(21, 3)],  # outside contact hours
    [at(10), at(21, 30), at(22), at(23)],  # both at once
])
def test_the_batch_judges_each_call_as_staff_logging_it_would(team, agent, times):
    by_staff = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    by_dialer = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    for when in times:
        contact_attempt_log(case=by_staff, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                            occurred_at=when, number="+8613800138001", source=AttemptSource.TELEPHONY, now=NOW)
    outcomes = telephony_attempts_record(calls=[dialled(f"C{n}", by_dialer, when) for n, when in enumerate(times)],
                                         now=NOW)

    assert {outcome.result for outcome in outcomes} == {CallResult.RECORDED}
    staff = [judged(a) for a in ContactAttempt.objects.filter(case=by_staff).order_by("occurred_at")]
    dialer = [judged(a) for a in ContactAttempt.objects.filter(case=by_dialer).order_by("occurred_at")]
    assert dialer == staff
    assert [outcome.breaches for outcome in outcomes] == [row[0] for row in dialer]


def test_a_rejected_call_leaves_nothing_behind_and_the_others_are_recorded(team):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    outcomes = telephony_attempts_record(calls=[dialled("LATER", case, NOW + dt.timedelta(hours=1)),
                                                dialled("OK", case, at(10))], now=NOW)
    assert [outcome.result for outcome in outcomes] == [CallResult.REJECTED, CallResult.RECORDED]
    assert outcomes[0].errors[0].field == "started_at"
    assert list(ContactAttempt.objects.values_list("external_id", flat=True)) == ["OK"]
