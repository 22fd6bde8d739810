"""A planned contact on the case timeline: the rule that planned it and, once cancelled, why, in the reader's
language."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cases.contact_stops import StopCause, cases_contact_stop
from cases.lifecycle import Stage
from cases.timeline import case_timeline
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _call(case, *, rule="T2.call", trail=()):
    return ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=timezone.now(), origin=Origin.POLICY,
                                           status=ContactStatus.SCHEDULED, idempotency_key=f"{case.pk}:{rule}",
                                           rule=rule, trail=list(trail))


def _details(case, language):
    with translation.override(language):
        return [entry["detail"] for entry in case_timeline(case=case) if entry["kind"] == "scheduled"]


def test_a_call_cancelled_by_a_promise_says_why_in_the_readers_language(agent, team):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, principal_overdue=Decimal("900"))
    _call(case)
    cases_contact_stop(case_ids=[case.pk], cause=StopCause.PROMISE, actor=agent)
    assert _details(case, "zh-hans") == ["T2.call · 已取消：客户已承诺还款。"]
    assert _details(case, "en") == ["T2.call · Cancelled: a promise to pay was taken."]


def test_the_pass_codes_read_as_sentences_and_a_pending_call_shows_its_rule(team):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, principal_overdue=Decimal("900"))
    old = _call(case, rule="T2.call")
    ScheduledContact.objects.filter(pk=old.pk).update(status=ContactStatus.CANCELLED, trail=[
        {"at": timezone.now().isoformat(), "status": "cancelled", "reason": "superseded"}],
        due_at=timezone.now() - dt.timedelta(days=1))
    _call(case, rule="T3.call")
    assert _details(case, "zh-hans") == ["T3.call", "T2.call · 已被联系策略的新一次联系取代。"]
