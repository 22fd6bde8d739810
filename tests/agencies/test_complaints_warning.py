"""An agency's complaints per 1,000 contacts at or over the threshold: a warning on the agencies dashboard and one
email to the managers per agency and month, queued after commit and sent once however often it runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.figures import agency_totals_refresh
from agencies.models import ComplaintsWarning
from agencies.services import placements_create
from agencies.tasks import email_complaints_warning
from agencies.warnings import complaints_warnings_raise
from audit.models import AuditRecord
from complaints.services import complaint_open
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
from core.models import OutboxTask
from staff.models import Role
from tests.factories import CaseFactory, staff_user


@pytest.fixture
def managers(db):
    english = staff_user(Role.MANAGER, None, user__username="manager-en", user__email="en@bank.example",
                         language="en")
    chinese = staff_user(Role.MANAGER, None, user__username="manager-zh", user__email="zh@bank.example",
                         language="zh-hans")
    return english, chinese


def worked(agency, agency_agent, supervisor, team, *, calls: int, complaints: int):
    """Cases placed with the agency this month, `calls` made by its agent and `complaints` received."""
    now = timezone.now()
    start = max(now - dt.timedelta(hours=2), now.replace(day=1, hour=0, minute=0, second=0) + dt.timedelta(minutes=1))
    case = CaseFactory(assigned_team=team, stage="contact")
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=start)
    for i in range(calls):
        contact_attempt_log(case=case, channel=Channel.CALL, actor=agency_agent, result=AttemptResult.NO_ANSWER,
                            occurred_at=start + dt.timedelta(seconds=10 + i))
    for _ in range(complaints):
        complaint_open(case=case, kind="complaint", channel="phone", category="amount", description="Wrong sum",
                       actor=supervisor)
    return case


def test_over_the_threshold_the_managers_are_emailed_once(agency, agency_agent, supervisor, team, managers,
                                                          settings, django_capture_on_commit_callbacks):
    settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD = Decimal("5")
    worked(agency, agency_agent, supervisor, team, calls=4, complaints=1)  # 250 per 1,000
    with django_capture_on_commit_callbacks() as callbacks:
        [warning_id] = complaints_warnings_raise()
    assert callbacks  # the email task is published once the warning is committed
    queued = OutboxTask.objects.get(task="agencies.email_complaints_warning")
    assert queued.kwargs == {"warning_id": warning_id}
    assert complaints_warnings_raise() == []  # once per agency and month
    assert email_complaints_warning(warning_id) == 2
    assert email_complaints_warning(warning_id) == 0  # a second run sends nothing
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["en@bank.example", "zh@bank.example"]
    assert agency.name in by_address["en@bank.example"].subject and "250.0" in by_address["en@bank.example"].body
    assert "投诉" in by_address["zh@bank.example"].subject
    warning = ComplaintsWarning.objects.get(pk=warning_id)
    assert warning.emailed_at is not None and warning.rate == Decimal("250.0")
    assert AuditRecord.objects.filter(action="agency.complaints_warned").count() == 1


def test_under_the_threshold_nobody_is_warned(agency, agency_agent, supervisor, team, managers, settings):
    settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD = Decimal("300")
    worked(agency, agency_agent, supervisor, team, calls=4, complaints=1)  # 250 per 1,000
    assert complaints_warnings_raise() == [] and not ComplaintsWarning.objects.exists()


def test_the_dashboard_warns_of_an_agency_over_the_threshold(client, agency, agency_agent, supervisor, team, manager,
                                                             settings):
    settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD = Decimal("5")
    client.force_login(manager)
    assert 'role="alert"' not in client.get(reverse("agencies:dashboard")).content.decode()
    worked(agency, agency_agent, supervisor, team, calls=4, complaints=1)
    agency_totals_refresh()  # the page reads the counted figures
    page = client.get(reverse("agencies:dashboard")).content.decode()
    assert 'role="alert"' in page and "250.0" in page
