"""Which tables each dashboard page shows, built from the selectors for one user and one set of filters."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.delinquency import Bucket
from cases.lifecycle import Stage
from contacts.models import Channel, Strategy
from core.tables import COUNT, MONEY, RATE, TEXT, Column, Table
from dashboards import selectors
from dashboards.filters import DashboardFilters, dashboard_cases, dashboard_snapshots, teams_in_scope
from dashboards.models import (
    AttemptTotal,
    CaseSpanTotal,
    OpenCaseTotal,
    PaymentTotal,
    SelfServiceTotal,
    SnapshotRoll,
)
from dashboards.registry import work_sections
from dashboards.self_service import (
    FOLLOWING_DAYS,
    self_service_by_day,
    self_service_funnel,
    self_service_payments,
    self_service_refreshed_at,
)

FUNNEL_STEPS = {"attempts": _("Contact attempts"), "right_party": _("Right-party contacts"),
                "promises": _("Promises to pay"), "promises_kept": _("Promises kept")}
SELF_SERVICE_STEPS = {"links_sent": _("Links sent"), "links_opened": _("Links opened"),
                      "links_verified": _("Links verified (signed in)"), "promises": _("Promises made"),
                      "plans": _("Plans chosen"), "disputes": _("Disputes raised"),
                      "payments": _("Payments that followed")}


@dataclass(frozen=True)
class Page:
    code: str
    title: str


PAGES = [
    Page("portfolio", _("Portfolio")),
    Page("flow", _("Flow")),
    Page("contact", _("Contact funnel")),
    Page("strategies", _("Champion and challenger")),
    Page("work", _("Work")),
    Page("teams", _("Teams and agents")),
    Page("selfservice", _("Self-service funnel")),
]
PAGE_CODES = {p.code for p in PAGES}


def _open_totals_note() -> str:
    refreshed_at = selectors.portfolio_refreshed_at()
    if refreshed_at is None:
        return _("Cases are counted every few minutes; the first count has not run yet.")
    return _("Cases as counted at %(time)s; counted again every few minutes.") % {
        "time": date_format(timezone.localtime(refreshed_at), "DATETIME_FORMAT")}


def _self_service_note() -> str:
    refreshed_at = self_service_refreshed_at()
    if refreshed_at is None:
        return _("Counted every 15 minutes; the first count has not run yet.")
    return _("Counted at %(time)s; counted again every 15 minutes.") % {
        "time": date_format(timezone.localtime(refreshed_at), "DATETIME_FORMAT")}


def _self_service_tables(*, user, filters: DashboardFilters) -> list[Table]:
    totals = dashboard_snapshots(user=user, filters=filters, model=SelfServiceTotal)
    start, end = filters.start, filters.end
    steps = [{**r, "step": SELF_SERVICE_STEPS[r["step"]],
              "compared_with": SELF_SERVICE_STEPS[r["compared_with"]] if r["compared_with"] else ""}
             for r in self_service_funnel(totals=totals, start=start, end=end)]
    count = Column("count", _("Count"), COUNT)
    return [
        Table("self_service_funnel", _("Self-service funnel"),
              [Column("step", _("Step")), count, Column("compared_with", _("Compared with")),
               Column("conversion", _("Conversion"), RATE)],
              steps, series=["count"],
              note=_("Each step is counted on the day it happened, under the case the message was about. A "
                     "payment followed when it was made on one of the cardholder's cases within %(days)s days "
                     "after they acted on their own page. %(counted)s") % {
                         "days": FOLLOWING_DAYS, "counted": _self_service_note()}),
        Table("self_service_payments", _("Payments that followed, by currency"),
              [Column("currency", _("Currency")), Column("payments", _("Payments"), COUNT),
               Column("paid_amount", _("Amount paid"), MONEY)],
              self_service_payments(totals=totals, start=start, end=end), series=["paid_amount"]),
        Table("self_service_days", _("Self-service by day"),
              [Column("day", _("Day")), *(Column(step, label, COUNT) for step, label in SELF_SERVICE_STEPS.items()),
               Column("paid_amount", _("Amount paid"), MONEY)],
              self_service_by_day(totals=totals, start=start, end=end),
              series=["links_sent", "links_opened", "links_verified", "promises", "plans", "disputes"]),
    ]


def page_tables(*, page: str, user, filters: DashboardFilters) -> list[Table]:
    if page == "selfservice":
        return _self_service_tables(user=user, filters=filters)
    cases = dashboard_cases(user=user, filters=filters)
    start, end, now = filters.start_at, filters.end_before, timezone.now()
    if page == "portfolio":
        open_totals = dashboard_snapshots(user=user, filters=filters, model=OpenCaseTotal)
        note = _open_totals_note()
        return [
            Table("by_bucket", _("Open cases and overdue balance by bucket (today)"),
                  [Column("bucket", _("Bucket")), Column("cases", _("Open cases"), COUNT),
                   Column("balance", _("Overdue balance"), MONEY)],
                  [{**r, "bucket": Bucket(r["bucket"]).label}
                   for r in selectors.portfolio_by_bucket(totals=open_totals)],
                  series=["balance"], note=note),
            Table("by_stage", _("Open cases and overdue balance by stage (today)"),
                  [Column("stage", _("Stage")), Column("cases", _("Open cases"), COUNT),
                   Column("balance", _("Overdue balance"), MONEY)],
                  [{**r, "stage": Stage(r["stage"]).label} for r in selectors.portfolio_by_stage(totals=open_totals)],
                  series=["cases"], note=note),
        ]
    if page == "flow":
        totals = dashboard_snapshots(user=user, filters=filters)
        rolls = dashboard_snapshots(user=user, filters=filters, model=SnapshotRoll)
        months = selectors.month_starts(start=filters.start, end=filters.end)
        cures = [{"month": m.strftime("%Y-%m"), **rates} for (m, _s, _e), rates in zip(
            months, selectors.cure_rates(
                cases=cases, periods=[(m_start, m_end) for _m, m_start, m_end in months],
                span_totals=dashboard_snapshots(user=user, filters=filters, model=CaseSpanTotal)
                if selectors.portfolio_refreshed_at() else None),
            strict=True)]
        paid_by_day = selectors.payments_by_day(
            cases=cases, start=start, end=end,
            payment_totals=dashboard_snapshots(user=user, filters=filters, model=PaymentTotal))
        recovery_columns = [Column("period", _("Period from")), Column("recovered", _("Amount recovered"), MONEY),
                            Column("opening_balance", _("Overdue balance at the start"), MONEY),
                            Column("recovery_rate", _("Recovery rate"), RATE)]
        return [
            Table("roll_rates", _("Roll rates, month on month"),
                  [Column("month", _("Month")), Column("from_bucket", _("From")), Column("to_bucket", _("To")),
                   Column("opening_balance", _("Balance at the previous month end"), MONEY),
                   Column("rolled_balance", _("Balance rolled forward"), MONEY),
                   Column("roll_rate", _("Roll rate"), RATE)],
                  selectors.roll_rates(totals=totals, rolls=rolls, start=filters.start, end=filters.end),
                  series=["roll_rate"], label_keys=["month", "from_bucket"]),
            Table("cure_rate", _("Cure rate by month"),
                  [Column("month", _("Month")), Column("cases", _("Cases open in the month"), COUNT),
                   Column("cured", _("Cured"), COUNT), Column("cure_rate", _("Cure rate"), RATE)],
                  cures, series=["cure_rate"], note=_open_totals_note()),
            Table("recovery_week", _("Amount recovered by week"), recovery_columns,
                  selectors.recoveries(cases=cases, totals=totals, start=start, end=end, period="week",
                                       paid_by_day=paid_by_day),
                  series=["recovered"]),
            Table("recovery_month", _("Amount recovered by month"), recovery_columns,
                  selectors.recoveries(cases=cases, totals=totals, start=start, end=end, period="month",
                                       paid_by_day=paid_by_day),
                  series=["recovered"]),
            Table("recovery_after_write_off", _("Recovered after write-off, by month"),
                  [Column("month", _("Month")), Column("cases", _("Written-off cases paying"), COUNT),
                   Column("recovered", _("Post-write-off recovery"), MONEY)],
                  selectors.recoveries_after_write_off(cases=cases, start=start, end=end), series=["recovered"],
                  note=_("Payments received after a case was written off. The case stays closed; the money is "
                         "also part of the amount recovered above.")),
        ]
    if page == "contact":
        rows = [{**r, "step": FUNNEL_STEPS[r["step"]]} for r in selectors.contact_funnel(
            cases=cases, start=start, end=end, now=now,
            attempt_totals=dashboard_snapshots(user=user, filters=filters, model=AttemptTotal))]
        return [Table("funnel", _("Contact funnel"),
                      [Column("step", _("Step")), Column("count", _("Count"), COUNT),
                       Column("of_previous", _("Of the step before"), RATE)], rows, series=["count"],
                      note=_("Promises: those taken in the period; kept: paid in full by their date and "
                             "grace period."))]
    if page == "strategies":
        rows = [{**r, "strategy": Strategy(r["strategy"]).label} for r in selectors.champion_challenger(
            cases=cases, start=start, end=end)]
        return [Table("strategies", _("Champion and challenger"),
                      [Column("strategy", _("Strategy")), Column("cases", _("Cases"), COUNT),
                       Column("cure_rate", _("Cure rate"), RATE), Column("contact_rate", _("Contact rate"), RATE),
                       Column("contacts_per_case", _("Contacts per case"), MONEY)],
                      rows, series=["cure_rate", "contact_rate"])]
    if page == "work":
        tables = [Table("overdue_tasks", _("Overdue tasks"),
                        [Column("team", _("Team")), Column("channel", _("Task")),
                         Column("overdue", _("Overdue"), COUNT)],
                        [{**r, "channel": Channel(r["channel"]).label}
                         for r in selectors.overdue_tasks(cases=cases, now=now)], series=["overdue"])]
        for section in work_sections():
            rows = section.rows(cases=cases, start=start, end=end)
            if rows:
                columns = [Column(key, label, TEXT if i == 0 else COUNT)
                           for i, (key, label) in enumerate(section.columns)]
                tables.append(Table(section.code, section.title, columns, rows,
                                    series=[c.key for c in columns[1:]]))
        return tables
    if page == "teams":
        open_totals = dashboard_snapshots(user=user, filters=filters, model=OpenCaseTotal)
        teams = teams_in_scope(user=user)
        if filters.team_id:
            teams = teams.filter(pk=filters.team_id)
        return [
            Table("team_load", _("Team load against capacity"),
                  [Column("team", _("Team")), Column("open_cases", _("Open cases"), COUNT),
                   Column("capacity", _("Capacity"), COUNT), Column("utilisation", _("Load"), RATE)],
                  selectors.team_load(open_totals=open_totals, teams=teams), series=["open_cases", "capacity"],
                  note=_open_totals_note()),
            Table("agents", _("Agents: productivity beside quality"),
                  [Column("agent", _("Agent")), Column("team", _("Team")),
                   Column("open_cases", _("Open cases"), COUNT), Column("attempts", _("Attempts"), COUNT),
                   Column("right_party", _("Right-party contacts"), COUNT),
                   Column("promises", _("Promises"), COUNT), Column("recovered", _("Recovered"), MONEY),
                   Column("complaints", _("Complaints"), COUNT),
                   Column("breach_complaints", _("Rule-breach complaints"), COUNT),
                   Column("breaches", _("Contact-rule breaches"), COUNT),
                   Column("overrides", _("Authorised exceptions"), COUNT)],
                  selectors.agent_scorecards(
                      cases=cases, open_totals=open_totals, start=start, end=end,
                      attempt_totals=dashboard_snapshots(user=user, filters=filters, model=AttemptTotal),
                      payment_totals=dashboard_snapshots(user=user, filters=filters, model=PaymentTotal)),
                  series=["right_party", "complaints", "breach_complaints", "breaches", "overrides"],
                  note=_("Rule-breach complaints allege misconduct, too many or untimely contacts, disclosure "
                         "to a third party or mishandled personal data. Contact-rule breaches are the contacts "
                         "the contact record holds as made against the rules, for who made them; authorised "
                         "exceptions, those a supervisor allowed beforehand.")),
        ]
    raise ValueError(page)

