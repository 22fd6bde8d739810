"""Reads for litigation: the legal queue, a case's records, money received while in litigation."""

import datetime as dt
from decimal import Decimal

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditRecord
from cases.models import Case, Payment
from core.i18n import stored_text
from litigation.models import PROGRESS_RANK, LitigationRecord, Milestone, MilestoneKind
from repayment_plans.models import WriteOff
from staff.models import Role
from staff.permissions import Capability, role_can


def cases_in_litigation_scope(user, role: str) -> Q | None:
    """For `cases.selectors.case_scope_register`: a legal officer sees every case that has been in
    litigation (its records stay readable after it leaves legal), and nothing else."""
    if role == Role.LEGAL_OFFICER and role_can(role, Capability.WORK_LITIGATION):
        return Q(pk__in=LitigationRecord.objects.values("case_id"))
    return None


def _progress_rank():
    return CaseWhen(*[When(progress=kind, then=Value(rank)) for kind, rank in PROGRESS_RANK.items()],
                 default=Value(0), output_field=IntegerField())


def legal_queue(*, cases: QuerySet[Case], today: dt.date | None = None) -> QuerySet[LitigationRecord]:
    """The open litigation records of `cases` (the reader's scope), for the legal queue.

    Ordered by how far each has got (least advanced first: a claim still to file needs the legal officer
    before a case awaiting its hearing does), then by the next hearing, soonest first (none last), then oldest.
    """
    today = today or timezone.localdate()
    next_hearing = (Milestone.objects.filter(record=OuterRef("pk"), kind=MilestoneKind.HEARING, on__gte=today)
                    .order_by().values("record").annotate(first=Min("on")).values("first"))
    return (LitigationRecord.objects.filter(closed_at__isnull=True, case__in=cases)
            .select_related("case__account__customer", "case__assigned_team")
            .annotate(progress_rank=_progress_rank(), next_hearing=Subquery(next_hearing))
            .order_by("progress_rank", "next_hearing", "opened_at", "pk"))


def litigation_records_of(*, case: Case) -> list[LitigationRecord]:
    return list(LitigationRecord.objects.filter(case=case).order_by("-opened_at", "-pk"))


def milestones_of(*, record: LitigationRecord) -> list[Milestone]:
    return list(record.milestones.prefetch_related("documents").order_by("on", "recorded_at", "id"))


def next_hearing_of(*, record: LitigationRecord, today: dt.date | None = None) -> dt.date | None:
    today = today or timezone.localdate()
    return (record.milestones.filter(kind=MilestoneKind.HEARING, on__gte=today)
            .aggregate(first=Min("on"))["first"])


def payments_since_opened(*, record: LitigationRecord) -> QuerySet[Payment]:
    """The case's payments received since the record opened (until it closed), newest first: payments still
    apply in litigation, through the core system's batches, as on any case."""
    payments = Payment.objects.filter(case_id=record.case_id, paid_at__gte=record.opened_at)
    if record.closed_at:
        payments = payments.filter(paid_at__lte=record.closed_at)
    return payments.order_by("-paid_at", "-pk")


def litigation_totals(*, record: LitigationRecord) -> dict[str, Decimal]:
    zero = Decimal("0.00")
    paid = payments_since_opened(record=record).aggregate(total=Sum("amount"))["total"] or zero
    recovered = (record.milestones.filter(kind=MilestoneKind.ENFORCEMENT_RECOVERED)
                 .aggregate(total=Sum("amount"))["total"] or zero)
    judgment = (record.milestones.filter(kind=MilestoneKind.JUDGMENT).order_by("-on", "-pk")
                .values_list("amount", flat=True).first())
    return {"paid": paid, "recovered": recovered, "judgment": judgment}


def uncollectable_write_off(*, record: LitigationRecord) -> dict:
    """What came of the write-off proposal raised when `record` was found uncollectable: {"milestone", the
    "write_off" raised then (or since), and "refusal", why none could be raised (in the reader's language where
    the catalogue has it)}; empty values when the record was never found uncollectable."""
    milestone = record.milestones.filter(kind=MilestoneKind.UNCOLLECTABLE).first()
    if milestone is None:
        return {"milestone": None, "write_off": None, "refusal": ""}
    write_off = (WriteOff.objects.filter(case_id=record.case_id, proposed_at__gte=milestone.recorded_at)
                 .order_by("-proposed_at", "-id").first())
    refusal = ""
    if write_off is None:
        refused = (AuditRecord.objects.filter(action="litigation.write_off_not_raised", object_id=str(record.pk),
                                              case_id=record.case_id).order_by("-at", "-id").first())
        if refused is not None and refused.changes.get("message"):
            refusal = gettext(refused.changes["message"]) % refused.changes.get("params", {})
        elif refused is not None:
            refusal = stored_text(refused.reason)
    return {"milestone": milestone, "write_off": write_off, "refusal": refusal}
