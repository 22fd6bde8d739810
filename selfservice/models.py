"""The cardholder's own page: the links that reach it, the proof of who they are, their sessions and
what they did there.

No row here holds personal data in the clear: tokens, codes and session keys are kept as SHA-256 hashes,
numbers as the keyed hash `core.crypto.pii_hash`, addresses as the caller's IP.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SelfServiceLink(models.Model):
    """One link to the cardholder's own page, made for one message when it is sent.

    The token is random (secrets.token_urlsafe, 128 bits) and only its SHA-256 is stored: the link points
    to the cardholder through this row and carries nothing about them.
    """

    customer = models.ForeignKey("cases.Customer", on_delete=models.PROTECT, related_name="+")
    # The case the message was about: the self-service funnel counts the link under its team and currency.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("sent by"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    first_opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    # Set when too many wrong answers came through this link; nothing is accepted through it until then.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-service link")
        verbose_name_plural = _("self-service links")
        # The last two for the self-service funnel, which counts links by the day they were sent and opened.
        indexes = [models.Index(fields=["customer", "created_at"], name="sslink_customer_idx"),
                   models.Index(fields=["created_at"], name="sslink_created_idx"),
                   models.Index(fields=["first_opened_at"], name="sslink_opened_idx")]
        constraints = [models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                              name="sslink_expires_after_created")]

    def __str__(self):
        return f"link {self.pk}"


class CodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Signing in")
    # Accepting a plan offer: the code is bound to the case and the offer (`subject`) it was sent for.
    ACCEPT_OFFER = "accept_offer", _("Accepting a plan")


class VerificationCode(models.Model):
    """A one-time code sent by SMS to the cardholder's own mobile; kept as a hash, tried at most 5 times."""

    link = models.ForeignKey(SelfServiceLink, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices, default=CodePurpose.SIGN_IN)
    # What the code is for within its purpose ("case:12:offer:3"); it answers for that alone.
    subject = models.CharField(max_length=100, blank=True, default="")
    code_hash = models.CharField(max_length=64)
    phone_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "created_at"], name="sscode_phone_idx"),
                   models.Index(fields=["link", "created_at"], name="sscode_link_idx")]

    def __str__(self):
        return f"code {self.pk}"


class Failure(models.Model):
    """A wrong answer on the way in (the national id's last characters, or a code): counted per link, per
    address and per number for the rate limits and the lockout."""

    class Kind(models.TextChoices):
        TOKEN = "token", _("Unknown, expired or revoked link")
        ID = "id", _("Wrong identity characters")
        CODE = "code", _("Wrong code")

    # None for a link that does not exist (someone guessing links), counted against the address alone.
    link = models.ForeignKey(SelfServiceLink, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="failures")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["link", "created_at"], name="ssfail_link_idx"),
                   models.Index(fields=["ip_address", "created_at"], name="ssfail_ip_idx"),
                   models.Index(fields=["phone_hash", "created_at"], name="ssfail_phone_idx")]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class CardholderSession(models.Model):
    """A cardholder signed in on their own page. Its key lives in the /my/ cookie; only its hash here.
    It ends after SELF_SERVICE_IDLE_MINUTES without a request, on sign-out, or when its link is revoked."""

    key_hash = models.CharField(max_length=64, unique=True)
    link = models.ForeignKey(SelfServiceLink, on_delete=models.PROTECT, related_name="sessions")
    customer = models.ForeignKey("cases.Customer", on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # For the self-service funnel, which counts links by the day they were first signed in through.
        indexes = [models.Index(fields=["created_at"], name="sssession_created_idx")]

    def __str__(self):
        return f"session {self.pk}"


class CardholderAction(models.Model):
    """What the cardholder did on their own page, on which case, through which link, from which address.
    Staff read it on the case's timeline."""

    class Kind(models.TextChoices):
        PROMISE = "promise", _("Promised to pay")
        DISPUTE = "dispute", _("Disputed the debt")
        COMPLAINT = "complaint", _("Complained")
        PREFERENCE = "preference", _("Changed contact preferences")
        CALLBACK = "callback", _("Asked for a callback")
        HARDSHIP = "hardship", _("Told us about hardship")
        PLAN = "plan", _("Chose a plan from the offers")
        PLAN_REQUEST = "plan_request", _("Asked for another plan")

    customer = models.ForeignKey("cases.Customer", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(SelfServiceLink, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The English summary the system wrote (stored_phrase), shown in the reader's language.
    summary = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="ssaction_case_idx"),
                   # The self-service funnel: actions by day, and by cardholder for the payments that followed.
                   models.Index(fields=["created_at"], name="ssaction_created_idx"),
                   models.Index(fields=["customer", "created_at"], name="ssaction_customer_idx")]

    def __str__(self):
        return f"{self.kind} {self.pk}"


class OfferAcceptance(models.Model):
    """A plan the cardholder chose from the pre-approved offers and accepted with a code: which offer, of which
    policy version, made which plan, through which action (link, address, time)."""

    action = models.OneToOneField(CardholderAction, on_delete=models.PROTECT, related_name="offer_acceptance")
    plan = models.OneToOneField("repayment_plans.RepaymentPlan", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey("escalation.PlanOffer", on_delete=models.PROTECT, related_name="+")
    policy_version = models.ForeignKey("escalation.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(VerificationCode, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"offer {self.offer_id} → plan {self.plan_id}"


def _upload_path(instance, filename: str) -> str:
    # A random name: the name sent may carry personal data and must not be guessable.
    suffix = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(instance.content_type, "bin")
    return f"selfservice/{instance.action.case_id}/{uuid.uuid4().hex}.{suffix}"


class CardholderUpload(models.Model):
    """A document the cardholder sent with a dispute, a complaint or a hardship request (PDF, PNG, JPEG)."""

    action = models.ForeignKey(CardholderAction, on_delete=models.PROTECT, related_name="uploads")
    file = models.FileField(upload_to=_upload_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"upload {self.pk}"
