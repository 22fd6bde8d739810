"""The agencies dashboard reads pre-aggregated totals: after a refresh its figures are the live ones, for
several agencies, currencies, buckets, promises, contacts, complaints and ends."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from agencies.figures import (
    agencies_figures,
    agencies_figures_live,
    agency_complaints_rate,
    agency_totals_refresh,
    in_house_totals_refresh,
    month_bounds,
)
from agencies.models import AgencyFigure, AgencyTotal, EndCause
from agencies.services import placements_create, placements_end
from agencies.tasks import refresh_agency_totals
from cases.ingest import PaymentReport, payments_ingest
from complaints.services import complaint_open
from contacts.models import AttemptResult, Channel, ContactAttempt
from repayment_plans.models import Promise, PromiseStatus
from staff.models import Agency, Role
from tests.factories import CaseFactory, staff_user

FIELDS = ("placed", "balance", "recovered", "recovery_rate", "in_house_rate", "currency", "promises",
          "promises_kept", "contacts", "complaints_per_1000", "breaches_per_1000", "days_to_first_contact", "ends")


def _figures(rows) -> list[tuple]:
    return [(row.agency.pk, *(getattr(row, name) for name in FIELDS),
             [(c.currency, c.balance, c.recovered, c.recovery_rate, c.in_house_rate) for c in row.by_currency])
            for row in rows]


def _build(*, agency, other_agency, agency_agent, team, supervisor):
    """Two agencies: one holding CNY and USD cases in two buckets, with payments, promises in every state,
    breaches, an inbound call, complaints inside and outside its placements, and ends by three causes; the other
    with one placement it has not contacted yet. In-house cases give the comparison something to compare."""
    agency.capacity = other_agency.capacity = 20
    agency.save()
    other_agency.save()
    other_agent = staff_user(Role.AGENCY_AGENT, None, agency=other_agency, user__username="other-agency-agent")
    today, now = timezone.localdate(), timezone.now()
    start = now - dt.timedelta(days=10)
    early = [CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=100))
             for _ in range(3)]
    late = [CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=200))
            for _ in range(2)]
    dollars = CaseFactory(assigned_team=team, stage="contact", currency="USD", account__currency="USD",
                          principal_overdue=Decimal("800.00"), overdue_since=today - dt.timedelta(days=100))
    theirs = CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=100))
    # In-house, never placed, in the buckets the agency's cases were placed in (M3 and M7+ ten days ago).
    in_house = [CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=days))
                for days in (80, 300)]
    ours = [*early, *late, dollars]
    placements_create(case_ids=[c.pk for c in ours], agency=agency, actor=supervisor, at=start)
    placements_create(case_ids=[theirs.pk], agency=other_agency, actor=supervisor, at=start)

    def call(case, days, **extra):
        return ContactAttempt.objects.create(case=case, channel=Channel.CALL, actor=extra.pop("actor", agency_agent),
                                             actor_label="agent", occurred_at=start + dt.timedelta(days=days),
                                             result=AttemptResult.NO_ANSWER, **extra)

    call(early[0], 1)
    call(early[0], 3, breached_rules=["hours"])
    call(early[1], 2.5)
    call(late[0], 4, breached_rules=["calls_per_day"])
    call(dollars, 0.25, direction="inbound")  # the first contact counts in any direction, not as a contact made
    call(late[1], -20, actor=other_agent)  # the other agency's contact, not this one's, nor its first contact
    for case, status in ((early[0], PromiseStatus.KEPT), (early[1], PromiseStatus.BROKEN),
                         (late[0], PromiseStatus.PARTIALLY_KEPT), (late[1], PromiseStatus.PENDING)):
        Promise.objects.create(case=case, amount=Decimal("100.00"), currency=case.currency, due_date=today,
                               channel="call", status=status, taken_by=agency_agent, taken_by_label="agent")
    for number, (case, amount, currency) in enumerate(((early[0], "1022.55", "CNY"), (late[0], "300.10", "CNY"),
                                                        (dollars, "55.00", "USD"), (in_house[0], "500.00", "CNY"))):
        payments_ingest(reports=[PaymentReport(transaction_id=f"TX-T{number}", amount=Decimal(amount),
                                               account_number=case.account.account_number, currency=currency,
                                               paid_at=now)])
    for case in (early[0], late[0]):
        complaint_open(case=case, kind="complaint", channel="phone", category="amount", description="Rude",
                       actor=supervisor)
    placements_end(case_ids=[early[2].pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor)
    placements_end(case_ids=[late[1].pk], cause=EndCause.RECALLED, reason="Recalled", actor=supervisor)
    placements_end(case_ids=[theirs.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor)
    # Received after its placement ended: not the agency's.
    complaint_open(case=early[2], kind="complaint", channel="phone", category="amount", description="Later",
                   actor=supervisor)
    return Agency.objects.filter(pk__in=[agency.pk, other_agency.pk]).order_by("name")  # as the page orders them


def test_the_page_figures_read_from_the_totals_are_the_live_figures(agency, other_agency, agency_agent, team,
                                                                     supervisor):
    agencies = _build(agency=agency, other_agency=other_agency, agency_agent=agency_agent, team=team,
                      supervisor=supervisor)
    in_house_totals_refresh()
    assert agencies_figures(agencies=agencies)[1].placed == 0  # nothing until the refresh
    assert agency_totals_refresh() > 0
    live, counted = agencies_figures_live(agencies=agencies), agencies_figures(agencies=agencies)
    assert _figures(counted) == _figures(live)
    # The fixture reaches every figure, so the comparison is not of empty rows.
    theirs, ours = counted  # by name: "Other Agency" before "安信催收 Anxin Collections"
    assert (ours.placed, ours.contacts, ours.promises, ours.promises_kept) == (4, 4, 3, 1)
    assert [c.currency for c in ours.by_currency] == ["CNY", "USD"] and ours.currency == ""
    assert ours.by_currency[0].recovered == Decimal("1322.65") and ours.by_currency[1].recovered == Decimal("55.00")
    assert ours.by_currency[0].in_house_rate is not None
    assert ours.breaches_per_1000 == Decimal("500.0") and ours.complaints_per_1000 == Decimal("500.0")
    assert ours.ends == {"manual": 1, "recalled": 1} and theirs.ends == {"manual": 1}
    assert ours.days_to_first_contact == Decimal("1.9") and theirs.days_to_first_contact is None  # 7.75 / 4
    assert (theirs.placed, theirs.contacts, theirs.currency) == (0, 1, "CNY")  # its agent's call counts for it
    # This month's complaints and contacts for the threshold: the live count the managers' email uses.
    _month, since, until = month_bounds(timezone.now())
    for row in counted:
        assert (row.month_complaints, row.month_contacts) == agency_complaints_rate(agency=row.agency, since=since,
                                                                                    until=until)[:2]


def test_a_second_refresh_replaces_the_totals_and_follows_what_changed(agency, other_agency, agency_agent, team,
                                                                       supervisor):
    agencies = _build(agency=agency, other_agency=other_agency, agency_agent=agency_agent, team=team,
                      supervisor=supervisor)
    refresh_agency_totals()
    first = sorted(AgencyTotal.objects.values_list("agency_id", "currency", "bucket", "placed", "recovered"))
    placements_end(case_ids=list(agency.placements.filter(ended_at__isnull=True).values_list("case_id", flat=True)),
                   cause=EndCause.MANUAL, reason="All back", actor=supervisor)
    assert agencies_figures(agencies=agencies)[1].placed == 4  # the page shows the last count until the next
    refresh_agency_totals()
    refresh_agency_totals()
    assert AgencyFigure.objects.count() == 2
    assert len(first) == AgencyTotal.objects.count()
    assert _figures(agencies_figures(agencies=agencies)) == _figures(agencies_figures_live(agencies=agencies))
    assert agencies_figures(agencies=agencies)[1].placed == 0


def test_the_page_says_when_it_was_counted_and_warns_from_the_counted_month(agency, other_agency, agency_agent,
                                                                            team, supervisor, client, settings):
    settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD = Decimal("5")
    _build(agency=agency, other_agency=other_agency, agency_agent=agency_agent, team=team, supervisor=supervisor)
    case = agency.placements.filter(ended_at__isnull=True).first().case
    ContactAttempt.objects.create(case=case, channel=Channel.CALL, actor=agency_agent, actor_label="agent",
                                  occurred_at=timezone.now(), result=AttemptResult.NO_ANSWER)  # this month
    client.force_login(supervisor)
    page = client.get(reverse("agencies:dashboard")).content.decode()
    assert "the first count has not run yet" in page and "Anxin Collections: 2 complaints" not in page
    agency_totals_refresh()
    page = client.get(reverse("agencies:dashboard")).content.decode()
    assert "Counted at" in page and "the first count has not run yet" not in page
    assert "Anxin Collections: 2 complaints for" in page and "Other Agency:" not in page
    # A count from last month warns of nothing this month.
    AgencyFigure.objects.update(month=timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    assert "Anxin Collections: 2 complaints" not in client.get(reverse("agencies:dashboard")).content.decode()


def test_the_refresh_is_scheduled_every_15_minutes(db):
    task = PeriodicTask.objects.get(task="agencies.refresh_agency_totals")
    assert task.enabled and task.interval.every == 15 * 60 and task.interval.period == "seconds"
