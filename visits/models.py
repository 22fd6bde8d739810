"""Field visits (上门回访): the request, who goes when, the check-in, the report and its files.

A visit's status is written only by `visits.services`; every change writes a `VisitHistory` row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField

MONEY = {"max_digits": 14, "decimal_places": 2}
COORD = {"max_digits": 9, "decimal_places": 6}


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Assigned")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (VisitStatus.REQUESTED, VisitStatus.ASSIGNED, VisitStatus.CHECKED_IN)

# from-status -> the statuses it may move to. Assigned -> assigned is a reassignment.
VISIT_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitStatus.REQUESTED: frozenset({VisitStatus.ASSIGNED, VisitStatus.CANCELLED}),
    VisitStatus.ASSIGNED: frozenset({VisitStatus.ASSIGNED, VisitStatus.CHECKED_IN, VisitStatus.CANCELLED}),
    VisitStatus.CHECKED_IN: frozenset({VisitStatus.COMPLETED}),
    VisitStatus.COMPLETED: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
}


class VisitOrigin(models.TextChoices):
    ESCALATION = "escalation", _("Contact policy")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")


class VisitPriority(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")


class VisitOutcome(models.TextChoices):
    MET_CARDHOLDER = "met_cardholder", _("Met the cardholder")
    THIRD_PARTY = "third_party", _("Met a third party (nothing disclosed)")
    NOT_AT_HOME = "not_at_home", _("Not at home")
    MOVED = "moved", _("Moved")
    REFUSED_ENTRY = "refused_entry", _("Refused entry")
    UNSAFE = "unsafe", _("Unsafe")
    ADDRESS_INVALID = "address_invalid", _("Address invalid")


class IdentityMethod(models.TextChoices):
    NOT_VERIFIED = "", _("Not verified")
    ID_CARD = "id_card", _("Identity card seen")
    SECURITY_QUESTIONS = "questions", _("Security questions answered")
    KNOWN_FACE = "photo_match", _("Matches the photo on file")


class Willingness(models.TextChoices):
    WILLING = "willing", _("Willing to repay")
    UNABLE = "unable", _("Unable to repay")
    REFUSES = "refuses", _("Refuses to repay")


class Attitude(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative")
    NEUTRAL = "neutral", _("Neutral")
    EVASIVE = "evasive", _("Evasive")
    HOSTILE = "hostile", _("Hostile")


class NextStep(models.TextChoices):
    NONE = "", _("None")
    PROMISE = "promise", _("Promise to pay recorded")
    PLAN = "plan", _("Negotiate a repayment plan")
    ANOTHER_VISIT = "another_visit", _("Another visit")
    LEGAL_REVIEW = "legal_review", _("Recommend legal review")


class Visit(models.Model):
    """A field visit to a cardholder: requested, assigned to one or two field agents, checked in, reported."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="visits")
    # The policy's visit request this visit answers; unique, so turning requests into visits is idempotent.
    scheduled_contact = models.OneToOneField("contacts.ScheduledContact", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="visit")
    origin = models.CharField(_("requested by"), max_length=12, choices=VisitOrigin.choices)
    reason = models.TextField(_("reason"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=VisitPriority.choices,
                                                default=VisitPriority.NORMAL)
    # Personal data, encrypted at rest like the cardholder's own address it is copied from.
    address = EncryptedTextField(_("address"))
    region = models.CharField(_("region"), max_length=100, blank=True, db_index=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), null=True, blank=True, **COORD)
    longitude = models.DecimalField(_("longitude"), null=True, blank=True, **COORD)
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices,
                              default=VisitStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_by_label = models.CharField(max_length=150)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("field agent"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="visits")
    second_agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("second field agent"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="second_visits")
    scheduled_for = models.DateField(_("date"), null=True, blank=True)
    window_start = models.DateTimeField(_("from"), null=True, blank=True)
    window_end = models.DateTimeField(_("until"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_latitude = models.DecimalField(null=True, blank=True, **COORD)
    check_in_longitude = models.DecimalField(null=True, blank=True, **COORD)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VisitStatus.values), name="visit_status_valid"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome__in=VisitOutcome.values),
                                   name="visit_outcome_valid"),
            # One open visit per case: a second request while one is pending adds nothing.
            models.UniqueConstraint(fields=["case"], condition=Q(status__in=OPEN_STATUSES),
                                    name="visit_one_open_per_case"),
            models.CheckConstraint(condition=~Q(second_agent=models.F("assigned_to")),
                                   name="visit_two_different_agents"),
            models.CheckConstraint(
                condition=Q(status=VisitStatus.REQUESTED) | Q(status=VisitStatus.CANCELLED)
                | Q(assigned_to__isnull=False, window_start__isnull=False, window_end__isnull=False),
                name="visit_assigned_has_agent_and_window"),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "scheduled_for"], name="visit_agent_day_idx"),
            models.Index(fields=["status", "window_end"], name="visit_status_end_idx"),
        ]

    def __str__(self):
        return f"Visit {self.pk} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def agents(self) -> list:
        return [agent for agent in (self.assigned_to, self.second_agent) if agent is not None]


class VisitHistory(models.Model):
    """One row per status change of a visit, written in the same transaction. Never edited."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=12, choices=VisitStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=VisitStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit status change")
        verbose_name_plural = _("visit history")
        indexes = [models.Index(fields=["visit", "created_at"], name="visithistory_visit_idx")]

    def __str__(self):
        return f"{self.visit_id}: {self.from_status or '∅'} → {self.to_status}"


class VisitReport(models.Model):
    """The field agent's report: the source text's verification checklist, the outcome and the next step."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="report")
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    identity_method = models.CharField(_("identity verified by"), max_length=20, choices=IdentityMethod.choices,
                                       blank=True)
    amount_confirmed = models.BooleanField(_("amount owed confirmed with the cardholder"), default=False)
    delinquency_reason = models.TextField(_("reason for the delinquency"), blank=True)
    willingness = models.CharField(_("willingness to repay"), max_length=10, choices=Willingness.choices,
                                   blank=True)
    attitude = models.CharField(_("cardholder's attitude"), max_length=12, choices=Attitude.choices, blank=True)
    others_present = models.CharField(_("who else was present"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=16, choices=NextStep.choices, blank=True)
    promise_amount = models.DecimalField(_("promised amount"), null=True, blank=True, **MONEY)
    promise_currency = models.CharField(max_length=3, blank=True)
    promise_date = models.DateField(_("promised by"), null=True, blank=True)
    plan_interest = models.BooleanField(_("interested in a repayment plan"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    author_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(next_step=NextStep.PROMISE)
                | Q(promise_amount__gt=0, promise_date__isnull=False),
                name="visitreport_promise_has_amount_and_date"),
        ]

    def __str__(self):
        return f"Report of visit {self.visit_id}: {self.outcome}"


# The extension on disk follows the type detected from the content (visits.uploads), never the name sent:
# a JPEG-looking polyglot named .html must not land on disk as something a server would render as a page.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def _document_path(instance, filename: str) -> str:
    # A random name: the cardholder's file name may carry personal data, and names must not be guessable.
    suffix = EXTENSIONS.get(instance.content_type, "bin")
    return f"visits/{instance.visit_id}/{uuid.uuid4().hex}.{suffix}"


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


class VisitDocument(models.Model):
    """A photo or document from a visit, stored under MEDIA_ROOT and served only to those who see the visit."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=_document_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit document")
        verbose_name_plural = _("visit documents")

    def __str__(self):
        return f"{self.get_kind_display()} of visit {self.visit_id}"
