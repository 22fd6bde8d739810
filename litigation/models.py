"""The litigation record of a case in the legal stage: counsel, court, claim, costs and milestones.

A case the pre-litigation review sends to legal gets one open record; its milestones (filed, hearings,
judgment, enforcement, recoveries, the way out) are appended, never edited, each reported to the core
system as a `litigation.milestone` event. A case that comes back to legal later gets a new record.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.uploads import SIGNATURES

MONEY = {"max_digits": 14, "decimal_places": 2}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
assert set(EXTENSIONS) == {content_type for _signature, content_type in SIGNATURES}


class CounselKind(models.TextChoices):
    LAW_FIRM = "law_firm", _("Law firm")
    IN_HOUSE = "in_house", _("In-house counsel")


class MilestoneKind(models.TextChoices):
    FILED = "filed", _("Claim filed")
    HEARING = "hearing", _("Hearing")
    JUDGMENT = "judgment", _("Judgment")
    ENFORCEMENT_APPLIED = "enforcement_applied", _("Enforcement applied for")
    ENFORCEMENT_RECOVERED = "enforcement_recovered", _("Recovered through enforcement")
    UNCOLLECTABLE = "uncollectable", _("Found uncollectable")
    CLOSED = "closed", _("Litigation closed")


class Ending(models.TextChoices):
    """How litigation ended, on the `closed` milestone and on the record."""

    SETTLED_IN_COURT = "settled_in_court", _("Settled in court")
    JUDGMENT_PAID = "judgment_paid", _("Judgment paid")
    # In its own context: a lawsuit withdrawn (撤诉) is not a proposal withdrawn (已撤回).
    WITHDRAWN = "withdrawn", pgettext_lazy("litigation", "Withdrawn")
    # The case closed another way while in litigation: paid in full, recalled or written off.
    CASE_CLOSED = "case_closed", _("Case closed")


# Milestones recorded one after another on the record's page; the others are its ways out.
PROGRESS_KINDS = (MilestoneKind.FILED, MilestoneKind.HEARING, MilestoneKind.JUDGMENT,
                  MilestoneKind.ENFORCEMENT_APPLIED, MilestoneKind.ENFORCEMENT_RECOVERED)
# Milestones that carry an amount: the judgment's, and what enforcement recovered.
AMOUNT_KINDS = frozenset({MilestoneKind.JUDGMENT, MilestoneKind.ENFORCEMENT_RECOVERED})
# How far a litigation has got, for the legal queue: the furthest milestone reached.
PROGRESS_RANK = {kind: rank for rank, kind in enumerate(MilestoneKind.values, start=1)}


class LitigationRecord(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="litigation_records")
    counsel_kind = models.CharField(_("counsel"), max_length=10, choices=CounselKind.choices,
                                    default=CounselKind.LAW_FIRM)
    counsel_name = models.CharField(_("law firm or counsel's name"), max_length=200, blank=True)
    court = models.CharField(_("court"), max_length=200, blank=True)
    court_case_number = models.CharField(_("court's case number"), max_length=100, blank=True)
    claim_amount = models.DecimalField(_("claim amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    costs_incurred = models.DecimalField(_("costs incurred"), default=0, **MONEY)
    # The furthest milestone reached (by PROGRESS_RANK), kept for the legal queue's order.
    progress = models.CharField(_("progress"), max_length=30, choices=MilestoneKind.choices, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    opened_by_label = models.CharField(max_length=150)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    ending = models.CharField(_("ended"), max_length=20, choices=Ending.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("litigation record")
        verbose_name_plural = _("litigation records")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(closed_at__isnull=True),
                                    name="litigation_one_open_record_per_case"),
            models.CheckConstraint(condition=Q(claim_amount__isnull=True) | Q(claim_amount__gte=0),
                                   name="litigation_claim_not_negative"),
            models.CheckConstraint(condition=Q(costs_incurred__gte=0), name="litigation_costs_not_negative"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True, ending="")
                                   | Q(closed_at__isnull=False, ending__in=Ending.values),
                                   name="litigation_closed_with_ending"),
        ]

    def __str__(self):
        return f"Litigation {self.pk} of case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Milestone(models.Model):
    record = models.ForeignKey(LitigationRecord, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=30, choices=MilestoneKind.choices)
    on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3)
    ending = models.CharField(_("ended"), max_length=20, choices=Ending.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("litigation milestone")
        verbose_name_plural = _("litigation milestones")
        ordering = ["on", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0),
                                   name="milestone_amount_positive"),
            models.CheckConstraint(condition=Q(kind="closed", ending__in=Ending.values)
                                   | (~Q(kind="closed") & Q(ending="")), name="milestone_closed_has_ending"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.on}"


def _document_path(instance, filename: str) -> str:
    # A random name: a court paper's file name may carry personal data, and names must not be guessable.
    suffix = EXTENSIONS.get(instance.content_type, "bin")
    return f"litigation/{instance.milestone.record_id}/{uuid.uuid4().hex}.{suffix}"


class MilestoneDocument(models.Model):
    """A court paper, filing receipt or enforcement order, stored under MEDIA_ROOT and served only to those
    who see the case."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("file"), upload_to=_document_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("milestone document")
        verbose_name_plural = _("milestone documents")

    def __str__(self):
        return f"Document {self.pk} of milestone {self.milestone_id}"
