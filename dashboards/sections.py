"""The Work dashboard's sections from the capabilities below it: how agreed plans are standing up, and what
field visits found. Registered from DashboardsConfig.ready() through dashboards.registry; dashboards sits
above repayment_plans and visits, so it reads their models directly."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from dashboards.registry import WorkSection, work_section_register
from repayment_plans.models import PlanStatus, RepaymentPlan
from visits.models import Visit, VisitOutcome


def plan_adherence_rows(*, cases, start, end) -> list[dict]:
    """Plans that became active in [start, end) on `cases`, by where they stand now: active, completed or
    broken. A plan is counted once, in the period it was agreed."""
    counts = dict(RepaymentPlan.objects.filter(case__in=cases, activated_at__gte=start, activated_at__lt=end)
                  .values_list("status").annotate(n=Count("id")).order_by())
    return [{"status": str(label), "plans": counts[status]} for status, label in PlanStatus.choices
            if counts.get(status)]


def visit_outcome_rows(*, cases, start, end) -> list[dict]:
    """Field visits completed in [start, end) on `cases`, by what the agent found."""
    counts = dict(Visit.objects.filter(case__in=cases, completed_at__gte=start, completed_at__lt=end)
                  .exclude(outcome="").values_list("outcome").annotate(n=Count("id")).order_by())
    return [{"outcome": str(label), "visits": counts[outcome]} for outcome, label in VisitOutcome.choices
            if counts.get(outcome)]


def register() -> None:
    work_section_register(WorkSection(code="plan_adherence", title=_("Plan adherence"),
                                      columns=[("status", _("Status")), ("plans", _("Plans"))],
                                      rows=plan_adherence_rows))
    work_section_register(WorkSection(code="visit_outcomes", title=_("Visit outcomes"),
                                      columns=[("outcome", _("Outcome")), ("visits", _("Visits"))],
                                      rows=visit_outcome_rows))
