from django.db.models import Case as Cases
from django.db.models import DateTimeField, F, IntegerField, Q, QuerySet, Value, When

from cases.selectors import cases_visible_to
from complaints.models import Complaint, Status


def complaints_open(*, user) -> QuerySet[Complaint]:
    """Open complaints and disputes on the cases `user` may see, the most overdue answer first."""
    return (Complaint.objects.filter(status=Status.OPEN, case__in=cases_visible_to(user=user))
            .select_related("case__account__customer").order_by("sla_due_at", "id"))


def complaints_register(*, user, status: str = "", query: str = "") -> QuerySet[Complaint]:
    """Every complaint and dispute on the cases `user` may see, open ones first (the most overdue answer
    first), then resolved ones (the latest first).

    `status` keeps only open or resolved entries; `query` matches the case or entry number exactly, or
    any words of the description, the resolution, or who opened or resolved it.
    """
    entries = Complaint.objects.filter(case__in=cases_visible_to(user=user))
    if status:
        entries = entries.filter(status=status)
    query = query.strip()
    if query:
        text = (Q(description__icontains=query) | Q(resolution__icontains=query)
                | Q(opened_by_label__icontains=query) | Q(resolved_by_label__icontains=query))
        number = query.lstrip("#")
        if number.isdigit() and len(number) <= 18:
            text |= Q(case_id=int(number)) | Q(pk=int(number))
        entries = entries.filter(text)
    open_first = Cases(When(status=Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    open_due = Cases(When(status=Status.OPEN, then=F("sla_due_at")), default=None, output_field=DateTimeField())
    return (entries.select_related("case__account__customer")
            .order_by(open_first, open_due, F("resolved_at").desc(nulls_last=True), "-id"))


def complaints_of_case(*, case) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case=case).order_by("-received_at")
