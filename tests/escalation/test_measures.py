"""Card measures by days past due: the jurisdiction's threshold, asked once per case by the hourly pass."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.lifecycle import Outcome, Stage
from contacts.models import JurisdictionProfile
from escalation.measures import measures_request_due
from events.models import Event, EventType
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def overdue(days: int, **kwargs):
    return CaseFactory(stage=Stage.CONTACT, overdue_since=timezone.localdate() - dt.timedelta(days=days), **kwargs)


def asked(case) -> list[dict]:
    return list(Event.objects.filter(case=case, type=EventType.ACCOUNT_MEASURE_REQUESTED).values_list(
        "payload", flat=True))


def test_without_a_threshold_no_case_asks():
    case = overdue(400)
    assert measures_request_due() == 0 and asked(case) == []


def test_a_case_past_its_jurisdictions_threshold_asks_once():
    JurisdictionProfile.objects.filter(is_default=True).update(measure_after_dpd=90)
    past, short = overdue(95), overdue(30)
    closed = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=timezone.now(),
                         overdue_since=timezone.localdate() - dt.timedelta(days=200))

    assert measures_request_due() == 1
    assert measures_request_due() == 0

    [payload] = asked(past)
    assert payload["reason"] == "dpd" and payload["dpd"] >= 90 and payload["jurisdiction"]
    assert asked(short) == [] and asked(closed) == []


def test_each_jurisdiction_has_its_own_threshold():
    JurisdictionProfile.objects.filter(is_default=True).update(measure_after_dpd=180)
    JurisdictionProfile.objects.filter(is_default=False).update(measure_after_dpd=60)
    shanghai = overdue(100)
    new_york = overdue(100, account__customer__timezone="America/New_York")

    measures_request_due()

    assert asked(shanghai) == [] and len(asked(new_york)) == 1


def test_the_pass_works_in_chunks():
    JurisdictionProfile.objects.filter(is_default=True).update(measure_after_dpd=90)
    cases = [overdue(120) for _ in range(7)]
    assert measures_request_due(chunk=3) == 7
    assert all(len(asked(case)) == 1 for case in cases)
