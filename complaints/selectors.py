from django.db.models import QuerySet

from cases.selectors import cases_visible_to
from complaints.models import Complaint, Status


def complaints_open(*, user) -> QuerySet[Complaint]:
    """Open complaints and disputes on the cases `user` may see, the most overdue answer first."""
    return (Complaint.objects.filter(status=Status.OPEN, case__in=cases_visible_to(user=user))
            .select_related("case__account__customer").order_by("sla_due_at", "id"))


def complaints_of_case(*, case) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case=case).order_by("-received_at")
