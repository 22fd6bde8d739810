"""Call tasks in the agent's queue: a task not worked stays there, and the queue says since when it is due."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.lifecycle import Stage
from cases.queue import queue_for_agent, queue_reason_since
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from staff.models import StaffProfile
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _case(team):
    return CaseFactory(overdue_since=timezone.localdate() - dt.timedelta(days=40), principal_overdue=Decimal("900"),
                       assigned_team=team, stage=Stage.CONTACT)


def _call(case, *, due_at, origin=Origin.POLICY, status=ContactStatus.SCHEDULED):
    return ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=due_at, status=status, origin=origin,
                                           idempotency_key=f"{case.pk}:{origin}:{due_at.isoformat()}", rule="T3.call")


def test_the_queue_says_since_when_each_call_task_has_waited(agent, team):
    now = timezone.now()
    waiting, fresh, callback = _case(team), _case(team), _case(team)
    _call(waiting, due_at=now - dt.timedelta(days=3))
    _call(waiting, due_at=now - dt.timedelta(days=1))
    _call(waiting, due_at=now - dt.timedelta(days=5), status=ContactStatus.DONE)  # worked: not waiting
    _call(fresh, due_at=now - dt.timedelta(hours=1))
    _call(callback, due_at=now - dt.timedelta(hours=2), origin=Origin.STAFF)
    page = list(queue_for_agent(user=agent, as_of=now))
    queue_reason_since(cases=page)
    since = {case.pk: case.queue_since for case in page}
    assert since == {waiting.pk: now - dt.timedelta(days=3), fresh.pk: now - dt.timedelta(hours=1),
                     callback.pk: now - dt.timedelta(hours=2)}


def test_the_queue_page_shows_the_due_since_beside_the_reason(client, agent, team):
    case = _case(team)
    due = timezone.now() - dt.timedelta(days=2)
    _call(case, due_at=due)
    client.force_login(agent)
    page = client.get(reverse("cases:queue")).content.decode()
    local = timezone.localtime(due)
    assert "Contact due" in page and f"due since {local.day} {local:%b %H:%M}" in page


def test_the_chinese_queue_writes_the_due_since_the_chinese_way(client, agent, team):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    case = _case(team)
    due = timezone.now() - dt.timedelta(days=2)
    _call(case, due_at=due)
    client.force_login(agent)
    page = client.get(reverse("cases:queue")).content.decode()
    local = timezone.localtime(due)
    assert f"自 {local.month}月{local.day}日 {local:%H:%M} 起待办" in page
