import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.lifecycle import Stage
from cases.selectors import cases_visible_to
from litigation.models import MilestoneKind
from litigation.selectors import legal_queue
from litigation.services import litigation_open, litigation_withdraw, milestone_record
from staff.models import StaffProfile
from tests.factories import CaseFactory


def in_legal(team, actor):
    return litigation_open(case=CaseFactory(assigned_team=team, stage=Stage.LEGAL), actor=actor)


@pytest.mark.django_db
def test_the_legal_queue_puts_the_least_advanced_first_then_the_soonest_hearing(team, supervisor, legal_officer):
    today = timezone.localdate()
    to_file = in_legal(team, supervisor)
    later_hearing, sooner_hearing, no_hearing, judged = (in_legal(team, supervisor) for _ in range(4))
    for record, days in ((later_hearing, 40), (sooner_hearing, 7)):
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=today)
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.HEARING,
                         on=today + dt.timedelta(days=days))
    milestone_record(record=no_hearing, actor=legal_officer, kind=MilestoneKind.HEARING, on=today - dt.timedelta(1))
    milestone_record(record=judged, actor=legal_officer, kind=MilestoneKind.JUDGMENT, on=today, amount=Decimal("9"))
    closed = in_legal(team, supervisor)
    litigation_withdraw(record=closed, actor=legal_officer, reason="Withdrawn.")
    queue = list(legal_queue(cases=cases_visible_to(user=legal_officer), today=today))
    assert [r.pk for r in queue] == [to_file.pk, sooner_hearing.pk, later_hearing.pk, no_hearing.pk, judged.pk]
    assert queue[1].next_hearing == today + dt.timedelta(days=7) and queue[3].next_hearing is None


@pytest.mark.django_db
def test_a_legal_officer_sees_the_cases_in_litigation_and_no_other(team, supervisor, legal_officer):
    record = in_legal(team, supervisor)
    CaseFactory(assigned_team=team)
    assert list(cases_visible_to(user=legal_officer)) == [record.case]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_legal_queue_page_lists_the_records_in_the_readers_language(client, team, supervisor, legal_officer,
                                                                        language):
    record = in_legal(team, supervisor)
    StaffProfile.objects.filter(user=legal_officer).update(language=language)
    client.force_login(legal_officer)
    page = client.get(reverse("litigation:queue"))
    body = page.content.decode()
    assert page.status_code == 200 and reverse("litigation:record", args=[record.pk]) in body
    assert ("Legal queue" if language == "en" else "诉讼队列") in body
