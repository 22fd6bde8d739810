"""Sections of the Work dashboard beyond its own overdue tasks (dashboards/sections.py registers plan
adherence and visit outcomes from DashboardsConfig.ready(); a later app above dashboards may add more):

    work_section_register(WorkSection(code="plan_adherence", title=_("Plan adherence"),
                                      columns=[("status", _("Status")), ("plans", _("Plans"))],
                                      rows=plan_adherence_rows))

`rows(*, cases, start, end)` gets the filtered cases (a queryset) and the period [start, end) and
returns a list of dicts keyed by the column codes; the first column labels the chart, the others are
charted as numbers. The Work dashboard shows a section only when it is registered and returns rows.
"""

from collections.abc import Callable
from dataclasses import dataclass

_SECTIONS: dict[str, "WorkSection"] = {}


@dataclass(frozen=True)
class WorkSection:
    code: str
    title: str
    columns: list[tuple[str, str]]
    rows: Callable[..., list[dict]]


def work_section_register(section: WorkSection) -> None:
    _SECTIONS[section.code] = section


def work_sections() -> list[WorkSection]:
    return list(_SECTIONS.values())
