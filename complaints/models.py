from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    DISPUTE = "dispute", _("Dispute")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    BRANCH = "branch", _("Branch")
    APP = "app", _("Mobile app")
    REGULATOR = "regulator", _("Regulator referral")
    FIELD_VISIT = "field_visit", _("Field visit")
    ONLINE = "online", _("The cardholder's own page")


class Category(models.TextChoices):
    CONDUCT = "conduct", _("Collector conduct (threats, insults, harassment)")
    CONTACT_FREQUENCY = "contact_frequency", _("Too many or untimely contacts")
    THIRD_PARTY = "third_party", _("Debt disclosed to a third party")
    AMOUNT = "amount", _("Amount owed is wrong")
    FEES = "fees", _("Fees, interest or penalty")
    IDENTITY = "identity", _("Not my debt / identity theft")
    PRIVACY = "privacy", _("Personal data handling")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Complaint(models.Model):
    """An entry in the complaints register. While it is open its hold stops contact on the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="complaints")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.TextField(_("description"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    sla_due_at = models.DateTimeField(_("answer due by"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    hold = models.ForeignKey("cases.CaseHold", on_delete=models.PROTECT, related_name="complaints")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    opened_by_label = models.CharField(max_length=150)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_by_label = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint or dispute")
        verbose_name_plural = _("complaints and disputes")
        indexes = [models.Index(fields=["status", "sla_due_at"], name="complaint_status_sla_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=Status.OPEN, resolved_at__isnull=True)
                           | Q(status=Status.RESOLVED, resolved_at__isnull=False) & ~Q(resolution="")),
                name="complaint_resolution_when_resolved",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} on case {self.case_id}"
