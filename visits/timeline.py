"""What visits add to a case's timeline: requests, assignments, check-ins and reports with their promise."""

from django.utils.translation import gettext as _

from cases.timeline import timeline_source_register
from visits.models import VisitHistory, VisitReport, VisitStatus


def _history(case, limit: int) -> list[dict]:
    entries = []
    rows = (VisitHistory.objects.filter(visit__case=case).exclude(to_status=VisitStatus.COMPLETED)
            .order_by("-created_at", "-id")[:limit])
    for row in rows:
        entries.append({"at": row.created_at, "kind": "visit", "actor": row.actor_label,
                        "text": _("Field visit %(status)s") % {"status": row.get_to_status_display().lower()},
                        "detail": row.reason})
    return entries


def _reports(case, limit: int) -> list[dict]:
    entries = []
    for report in VisitReport.objects.filter(visit__case=case).order_by("-created_at")[:limit]:
        entries.append({"at": report.created_at, "kind": "visit", "actor": report.author_label,
                        "text": _("Field visit: %(outcome)s") % {"outcome": report.get_outcome_display()},
                        "detail": report.get_next_step_display() if report.next_step else ""})
    return entries


def register() -> None:
    timeline_source_register("visit_history", _history)
    timeline_source_register("visit_reports", _reports)
