from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Field visit")
    LEGAL_REVIEW = "legal_review", _("Pre-litigation review")


# Channels a sender delivers without a person; the rest are tasks in someone's queue.
AUTOMATED_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.LETTER)


class ContactStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    DONE = "done", _("Done")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class Origin(models.TextChoices):
    POLICY = "policy", _("Contact policy")
    STAFF = "staff", _("Staff")


class Strategy(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    CHALLENGER = "challenger", _("Challenger")


class AttemptResult(models.TextChoices):
    RIGHT_PARTY = "right_party", _("Right-party contact")
    PROMISE = "promise", _("Promise to pay")
    REFUSED = "refused", _("Refused")
    DISPUTE = "dispute", _("Dispute raised")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left message")
    THIRD_PARTY = "third_party", _("Third party reached")


# Results in which the cardholder was spoken to: they start the quiet period after a conversation.
CONVERSATION_RESULTS = (AttemptResult.RIGHT_PARTY, AttemptResult.PROMISE, AttemptResult.REFUSED,
                        AttemptResult.DISPUTE)
# Results in which nobody was reached: they count towards the third-party and field-visit rules.
FAILED_RESULTS = (AttemptResult.WRONG_NUMBER, AttemptResult.NO_ANSWER, AttemptResult.LEFT_MESSAGE)


class JurisdictionProfile(models.Model):
    """The numbers of the contact rules for one jurisdiction (CN, US). Edited by compliance in the admin.

    A case falls under the first profile whose `timezone_prefixes` match its cardholder's time zone,
    otherwise under the default profile.
    """

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    timezone_prefixes = models.JSONField(_("time zone prefixes"), default=list, blank=True)
    contact_from = models.TimeField(_("contacts allowed from"))
    contact_until = models.TimeField(_("contacts allowed until"))
    calls_per_window = models.PositiveSmallIntegerField(_("call attempts per window"))
    call_window_days = models.PositiveSmallIntegerField(_("window, days"))
    calls_per_day = models.PositiveSmallIntegerField(_("call attempts per day"), null=True, blank=True)
    unanswered_per_number_per_day = models.PositiveSmallIntegerField(
        _("unanswered calls per number per day"), null=True, blank=True)
    quiet_days_after_conversation = models.PositiveSmallIntegerField(_("quiet days after a conversation"))
    third_party_after_failures = models.PositiveSmallIntegerField(_("failed attempts before a third party"))

    class Meta:
        verbose_name = _("jurisdiction profile")
        verbose_name_plural = _("jurisdiction profiles")
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="jurisdiction_one_default")]

    def __str__(self):
        return f"{self.code}: {self.name}"


class ScheduledContact(models.Model):
    """A contact the policy (or a member of staff) has planned, with the rules that allowed it.

    `idempotency_key` makes the escalation pass safe to run twice or in parallel: the same action for the
    same case and cadence slot always has the same key. Never hard-deleted.
    """

    id = models.BigAutoField(primary_key=True)
    # Indexed by (case, due_at) below; a plain case index would only slow the pass's inserts.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="scheduled_contacts",
                             db_index=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=20, choices=ContactStatus.choices,
                              default=ContactStatus.SCHEDULED)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.POLICY)
    idempotency_key = models.CharField(max_length=120)
    policy_version = models.ForeignKey("escalation.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", db_index=False)
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    strategy = models.CharField(_("strategy"), max_length=12, choices=Strategy.choices, blank=True)
    # The governor's decision trail: the rules passed and failed, and any move or status change since.
    trail = models.JSONField(default=list)
    # Whose queue a task (call, visit, review) sits in.
    assigned_team = models.ForeignKey("staff.Team", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", db_index=False)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("scheduled contact")
        verbose_name_plural = _("scheduled contacts")
        constraints = [
            # A constraint rather than unique=True: no second, pattern-matching index on every insert.
            models.UniqueConstraint(fields=["idempotency_key"], name="contact_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="contact_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=ContactStatus.values), name="contact_status_valid"),
        ]
        indexes = [
            models.Index(fields=["case", "due_at"], name="contact_case_due_idx"),
            models.Index(fields=["status", "channel", "due_at"], name="contact_status_due_idx"),
            # The pass cancels pending contacts of closed and held cases; only pending ones need finding.
            models.Index(fields=["case"], condition=Q(status="scheduled"), name="contact_pending_case_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} for case {self.case_id} at {self.due_at:%Y-%m-%d %H:%M}"


class ContactAttempt(models.Model):
    """A contact that happened, logged by staff (calls, visits) or by a sender. Never hard-deleted."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contact_attempts")
    scheduled_contact = models.ForeignKey(ScheduledContact, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="attempts")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(_("when"), default=timezone.now)
    number = models.CharField(_("number called"), max_length=32, blank=True)
    third_party = models.BooleanField(_("to a third party"), default=False)
    result = models.CharField(_("result"), max_length=20, choices=AttemptResult.choices)
    callback_requested = models.BooleanField(_("cardholder asked for a callback"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The governor's verdict when it was logged; an override names the supervisor and their reason.
    verdict = models.JSONField(default=dict)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    override_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        constraints = [
            models.CheckConstraint(condition=Q(result__in=AttemptResult.values), name="attempt_result_valid"),
        ]
        indexes = [models.Index(fields=["case", "at"], name="attempt_case_at_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} on case {self.case_id}: {self.get_result_display()}"
