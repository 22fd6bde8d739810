"""The Work dashboard's plan adherence and visit outcomes: what was agreed or visited in the period, by
where it stands, within the filtered cases."""

import datetime as dt

from django.urls import reverse

from dashboards.filters import dashboard_cases
from dashboards.sections import plan_adherence_rows, visit_outcome_rows
from repayment_plans.models import PlanStatus, RepaymentPlan
from tests.dashboards.conftest import OCTOBER, at
from tests.dashboards.test_pages import on_first_november  # noqa: F401 - the page as seen on 1 November
from tests.repayment_plans.helpers import propose
from tests.visits.conftest import assigned_visit
from visits.models import VisitOutcome, VisitStatus


def _plan(case, agent, *, status, activated_at):
    plan = propose(case, agent, count=3)
    # The plan's own path to active or broken is tested in repayment_plans; here only where it stands.
    RepaymentPlan.objects.filter(pk=plan.pk).update(status=status, activated_at=activated_at)
    return plan


def test_plans_agreed_in_the_period_are_counted_by_where_they_stand(october, supervisor, agent):
    a, c = october["a"], october["c"]
    _plan(a, agent, status=PlanStatus.ACTIVE, activated_at=at(10, 5))
    _plan(c, agent, status=PlanStatus.BROKEN, activated_at=at(10, 9))
    cases = dashboard_cases(user=supervisor, filters=OCTOBER)
    rows = plan_adherence_rows(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before)
    assert rows == [{"status": "Active", "plans": 1}, {"status": "Broken", "plans": 1}]
    # Agreed outside the period: not counted in it.
    november = OCTOBER.end_before + dt.timedelta(days=30)
    assert plan_adherence_rows(cases=cases, start=OCTOBER.end_before, end=november) == []


def test_visits_completed_in_the_period_are_counted_by_outcome_and_the_page_shows_both(
        client, october, supervisor, agent, field_agent, on_first_november):  # noqa: F811 - the fixture
    a, c = october["a"], october["c"]
    assigned_visit(a, field_agent, status=VisitStatus.COMPLETED, completed_at=at(10, 12),
                   outcome=VisitOutcome.MET_CARDHOLDER)
    assigned_visit(c, field_agent, status=VisitStatus.COMPLETED, completed_at=at(10, 14),
                   outcome=VisitOutcome.NOT_AT_HOME)
    _plan(a, agent, status=PlanStatus.ACTIVE, activated_at=at(10, 5))
    cases = dashboard_cases(user=supervisor, filters=OCTOBER)
    rows = visit_outcome_rows(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before)
    assert rows == [{"outcome": "Met the cardholder", "visits": 1}, {"outcome": "Not at home", "visits": 1}]
    client.force_login(supervisor)
    tables = client.get(reverse("dashboards:page", args=["work"]), {
        "start": "2026-10-01", "end": "2026-10-31", "currency": "CNY"}).context["tables"]
    assert [t.code for t in tables] == ["overdue_tasks", "plan_adherence", "visit_outcomes"]
