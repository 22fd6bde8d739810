"""Promises to pay and repayment plans: what a cardholder agreed to pay, and whether they did."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class PromiseChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Field visit")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    PARTIALLY_KEPT = "partially_kept", _("Partially kept")
    BROKEN = "broken", _("Broken")


class Promise(models.Model):
    """A cardholder's promise to pay `amount` by `due_date`, taken by a member of staff on `channel`.

    Pending until evaluated; then kept, partially kept or broken, once (a compare-and-swap on status).
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="promises")
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    due_date = models.DateField(_("promised date"))
    channel = models.CharField(_("channel"), max_length=10, choices=PromiseChannel.choices)
    status = models.CharField(_("status"), max_length=20, choices=PromiseStatus.choices,
                              default=PromiseStatus.PENDING)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    taken_by_label = models.CharField(max_length=150)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    paid_amount = models.DecimalField(_("paid towards it"), default=Decimal("0"), **MONEY)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=PromiseStatus.values), name="promise_status_valid"),
            # One promise in force per case: a new one needs the old one evaluated first.
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="promise_one_pending"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due_idx")]

    def __str__(self):
        return f"{self.amount} {self.currency} by {self.due_date} ({self.status})"
