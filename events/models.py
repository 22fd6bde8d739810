from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CASE_OPENED = "case.opened", _("Case opened")
    CASE_STAGE_CHANGED = "case.stage_changed", _("Case stage changed")
    CASE_CLOSED = "case.closed", _("Case closed")
    # Beside case.closed, with the amounts written off by part.
    CASE_WRITTEN_OFF = "case.written_off", _("Case written off")
    LEGAL_REFERRAL = "case.legal_referral", _("Legal referral")
    LITIGATION_MILESTONE = "litigation.milestone", _("Litigation milestone")
    PROMISE_TAKEN = "promise.taken", _("Promise taken")
    PROMISE_KEPT = "promise.kept", _("Promise kept")
    PROMISE_BROKEN = "promise.broken", _("Promise broken")
    PLAN_AGREED = "plan.agreed", _("Plan agreed")
    PLAN_BROKEN = "plan.broken", _("Plan broken")
    HOLD_PLACED = "hold.placed", _("Hold placed")
    HOLD_RELEASED = "hold.released", _("Hold released")
    DISPUTE_OPENED = "dispute.opened", _("Dispute opened")
    DISPUTE_RESOLVED = "dispute.resolved", _("Dispute resolved")
    CARDHOLDER_ANONYMISED = "cardholder.anonymised", _("Cardholder anonymised")
    CASE_RECALLED = "case.recalled", _("Case recalled")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    PAYMENT_REVERSED = "payment.reversed", _("Payment reversed")
    PAYMENT_RECOVERED = "payment.recovered", _("Payment recovered after write-off")
    ACCOUNT_MEASURE_REQUESTED = "account.measure_requested", _("Card measure requested")
    # A case failed a confirm check, and a supervisor asks the core system to look at the account again.
    ACCOUNT_CHECK_REQUESTED = "account.check_requested", _("Account check requested")
    CASE_PLACED = "case.placed", _("Case placed with an agency")
    CASE_PLACEMENT_ENDED = "case.placement_ended", _("Placement with an agency ended")


class Event(models.Model):
    """The transactional outbox: one row per fact the core system must act on.

    Written in the same transaction as the change it reports, so it exists exactly when the change does.
    Append-only: nothing deletes these rows, and nothing updates them but anonymisation past retention,
    which drops the free text from the payloads of the cardholder's cases (core.anonymise).
    """

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=40, choices=EventType.choices)
    # Indexed by event_case_id_idx, which leads with the case.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="events", db_index=False)
    account_number = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["case", "id"], name="event_case_id_idx")]

    def __str__(self):
        return f"#{self.pk} {self.type} case {self.case_id}"
