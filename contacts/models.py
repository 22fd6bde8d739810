from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, pii_hash


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Field visit")
    LEGAL_REVIEW = "legal_review", _("Pre-litigation review")


# Channels a sender delivers without a person; the rest are tasks in someone's queue.
AUTOMATED_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
# The rule code of the letter to a deceased cardholder's estate (escalation.estate): the one contact a death
# leaves, which the pass and a hold do not cancel and the governor judges apart (PURPOSE_ESTATE).
ESTATE_LETTER_RULE = "estate_letter"


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


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class AttemptSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    TELEPHONY = "telephony", _("Telephony system")


class DelinquencyReason(models.TextChoices):
    LOST_INCOME = "lost_income", _("Lost income")
    ILLNESS = "illness", _("Illness")
    DISPUTE = "dispute", _("Disputes the debt")
    FORGOT = "forgot", _("Forgot to pay")
    OVERSPENDING = "overspending", _("Overspending")
    FRAUD_CLAIM = "fraud_claim", _("Claims fraud")
    OTHER = "other", _("Other")


class LimitScope(models.TextChoices):
    """What a contact limit counts: the cardholder's contacts across all their cases, one number's, or
    one case's."""

    CARDHOLDER = "cardholder", _("Per cardholder")
    NUMBER = "number", _("Per number")
    CASE = "case", _("Per case")


# The limits a profile scopes, and what each counts unless the profile says otherwise. The CBA guideline
# and Regulation F count contacts per person: a cardholder with three cards is one person.
DEFAULT_LIMIT_SCOPES = {
    "calls_per_window": LimitScope.CARDHOLDER.value,
    "calls_per_day": LimitScope.CARDHOLDER.value,
    "unanswered_per_number": LimitScope.NUMBER.value,
    "quiet_period": LimitScope.CARDHOLDER.value,
}


def default_limit_scopes() -> dict:
    return dict(DEFAULT_LIMIT_SCOPES)


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
    # limit -> LimitScope; a limit not named counts as DEFAULT_LIMIT_SCOPES says.
    limit_scopes = models.JSONField(_("what each limit counts"), default=default_limit_scopes, blank=True)
    # Regulation F treats a time the collector knows to be inconvenient as binding (§1006.6(b)(1)): a staff
    # call outside the cardholder's preferred window is then a breach, not only a warning.
    window_preference_binding_for_staff = models.BooleanField(
        _("the preferred time window binds staff calls too"), default=False)
    # Regulation F §1006.6(e): every SMS and email says how to opt out of the channel.
    opt_out_line_required = models.BooleanField(_("SMS and email carry an opt-out line"), default=False)
    # Regulation F §1006.34: the first written message (email or letter) is a validation notice.
    validation_notice_first = models.BooleanField(_("the first written message is a validation notice"),
                                                  default=False)
    # The days past due at which the portal asks the core system to block the card or report to the credit
    # bureau (account.measure_requested), once per case. Left empty, DPD alone never asks.
    measure_after_dpd = models.PositiveSmallIntegerField(_("card measures requested after DPD"), null=True,
                                                         blank=True)

    class Meta:
        verbose_name = _("jurisdiction profile")
        verbose_name_plural = _("jurisdiction profiles")
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="jurisdiction_one_default")]

    def __str__(self):
        return f"{self.code}: {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        scopes = self.limit_scopes or {}
        if not isinstance(scopes, dict) or any(
                key not in DEFAULT_LIMIT_SCOPES or value not in LimitScope.values for key, value in scopes.items()):
            raise ValidationError({"limit_scopes": _(
                "Name limits from %(limits)s, each counted per %(scopes)s.") % {
                    "limits": ", ".join(DEFAULT_LIMIT_SCOPES), "scopes": ", ".join(LimitScope.values)}})

    def scope_of(self, limit: str) -> str:
        return (self.limit_scopes or {}).get(limit) or DEFAULT_LIMIT_SCOPES[limit]


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
    # What went out, exactly as rendered when it was sent, for the cardholder's file: templates change,
    # the sent text does not. Encrypted: it names the cardholder and the debt. A letter's text starts with
    # the lines its envelope's window showed; its PDF is kept under MEDIA_ROOT/letters/`letter_file`.
    # Database defaults too: the escalation pass inserts contacts in bulk SQL that names none of these.
    sent_to = EncryptedTextField(_("sent to"), blank=True, default="", db_default="")
    rendered_subject = EncryptedTextField(_("subject as sent"), blank=True, default="", db_default="")
    rendered_text = EncryptedTextField(_("text as sent"), blank=True, default="", db_default="")
    letter_file = models.CharField(max_length=200, blank=True, default="", db_default="")
    # What the contact is for, as the governor asks (contacts.governor PURPOSE_*): collection, unless a
    # member of staff wrote it for another end (a letter from the legal officer in litigation).
    purpose = models.CharField(_("purpose"), max_length=30, default="collection", db_default="collection")
    # A letter a member of staff wrote: its text as they wrote it, sent instead of a template's.
    drafted_text = EncryptedTextField(_("text as written"), blank=True, default="", db_default="")
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


class ContactException(models.Model):
    """A supervisor's authorisation, given before a contact, for a contact the rules would refuse.

    Valid from `valid_from` to `valid_until`; a single-use exception covers the first outbound contact
    logged inside it. A contact inside one is an authorised exception, not a breach.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contact_exceptions")
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    granted_by_label = models.CharField(max_length=150)
    granted_at = models.DateTimeField(default=timezone.now)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    single_use = models.BooleanField(_("for one contact only"), default=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("authorised exception")
        verbose_name_plural = _("authorised exceptions")
        constraints = [models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")),
                                              name="contactexception_valid_span")]
        indexes = [models.Index(fields=["case", "valid_until"], name="contactexception_case_idx")]

    def __str__(self):
        return f"Exception on case {self.case_id} until {self.valid_until:%Y-%m-%d %H:%M}"

    def covers(self, at) -> bool:
        return (self.revoked_at is None and self.valid_from <= at < self.valid_until
                and not (self.single_use and self.used_at is not None))


class ContactAttempt(models.Model):
    """A contact that happened, logged by staff (calls, visits) or fed by the telephony system.

    Record first, judge second: every contact that happened is stored, with the governor's verdict as of
    `occurred_at`. An outbound contact the rules would have refused is a breach (`breached_rules`),
    unless a supervisor's exception covered it. Inbound contacts are never breaches and count towards no
    limit. Never hard-deleted; anonymised only past retention.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contact_attempts")
    # The cardholder, copied from the case so that limits count per person with one index.
    customer = models.ForeignKey("cases.Customer", on_delete=models.PROTECT, related_name="+", db_index=False)
    scheduled_contact = models.ForeignKey(ScheduledContact, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="attempts")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices,
                                 default=Direction.OUTBOUND)
    source = models.CharField(_("source"), max_length=10, choices=AttemptSource.choices, default=AttemptSource.STAFF)
    # The telephony system's call id: the dialer feed is idempotent by it.
    external_id = models.CharField(_("telephony call id"), max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)
    duration_seconds = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    number = EncryptedTextField(_("number or address used"), blank=True)
    number_hash = models.CharField(max_length=64, blank=True, editable=False)
    contact_point = models.ForeignKey("cases.ContactPoint", verbose_name=_("contact point"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="attempts", db_index=False)
    third_party = models.BooleanField(_("to a third party"), default=False)
    result = models.CharField(_("result"), max_length=20, choices=AttemptResult.choices)
    delinquency_reason = models.CharField(_("reason for the delinquency"), max_length=20,
                                          choices=DelinquencyReason.choices, blank=True)
    callback_requested = models.BooleanField(_("cardholder asked for a callback"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The telephony system's recording: its id, a SHA-256 of the file, and how long it must be kept.
    recording_ref = models.CharField(_("recording"), max_length=200, blank=True)
    recording_sha256 = models.CharField(_("recording SHA-256"), max_length=64, blank=True)
    recording_keep_until = models.DateField(_("keep the recording until"), null=True, blank=True)
    # The governor's verdict as of occurred_at, never revised.
    verdict = models.JSONField(default=dict)
    breached_rules = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    exception = models.ForeignKey(ContactException, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="attempts")

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        constraints = [
            models.CheckConstraint(condition=Q(result__in=AttemptResult.values), name="attempt_result_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="attempt_direction_valid"),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="attempt_external_id_key"),
            # Inbound contacts are never breaches.
            models.CheckConstraint(condition=Q(direction="outbound") | Q(breached_rules=[]),
                                   name="attempt_inbound_never_breach"),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_at"], name="attempt_case_at_idx"),
            models.Index(fields=["customer", "occurred_at"], name="attempt_customer_at_idx"),
            models.Index(fields=["number_hash", "occurred_at"], condition=~Q(number_hash=""),
                         name="attempt_number_at_idx"),
            models.Index(fields=["occurred_at"], condition=~Q(breached_rules=[]), name="attempt_breach_at_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} on case {self.case_id}: {self.get_result_display()}"

    def save(self, *args, **kwargs):
        if self.customer_id is None and self.case_id is not None:
            from cases.models import Case

            self.customer_id = Case.objects.values_list("account__customer_id", flat=True).get(pk=self.case_id)
        self.number_hash = pii_hash(self.number)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "number_hash"}
        super().save(*args, **kwargs)


    @property
    def is_breach(self) -> bool:
        return bool(self.breached_rules)


class InboundSms(models.Model):
    """A text message a cardholder (or anyone) sent to the bank's SMS number, as the provider reported it.

    Kept once per provider message (`provider_id`), so the provider's callback is safe to repeat. An
    opt-out keyword opts the number out of SMS for every cardholder it belongs to; other text is stored
    as an inbound message on their open cases (`attempts`).
    """

    class Outcome(models.TextChoices):
        OPTED_OUT = "opted_out", _("Opted out of SMS")
        STORED = "stored", _("Stored on the cardholder's cases")
        UNMATCHED = "unmatched", _("No cardholder has this number")

    id = models.BigAutoField(primary_key=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100)
    sender = EncryptedTextField(_("from"))
    sender_hash = models.CharField(max_length=64, editable=False)
    body = EncryptedTextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    recorded_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    cardholders = models.PositiveIntegerField(_("cardholders with this number"), default=0)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        constraints = [models.UniqueConstraint(fields=["provider_id"], name="inboundsms_provider_id_key")]

    def __str__(self):
        return f"SMS {self.provider_id} ({self.outcome})"
