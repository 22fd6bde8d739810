from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Role(models.TextChoices):
    AGENT = "agent", _("Collections agent")
    FIELD_AGENT = "field_agent", _("Field agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    COMPLIANCE = "compliance", _("Compliance officer")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    ADMIN = "admin", _("Administrator")
    AGENCY_AGENT = "agency_agent", _("Agency agent")
    AGENCY_MANAGER = "agency_manager", _("Agency manager")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="supervised_teams",
    )
    # How many open cases the team can work at once; dashboards compare it with the team's load.
    capacity = models.PositiveIntegerField(_("capacity (open cases)"), null=True, blank=True)
    # When the escalation pass places a new case of this team (confirm → plan), it also gives it to the team's
    # active agent with the fewest open cases (cases.assignment). Off, the case waits in the team's pool and
    # the agents take it with Next case.
    assigns_by_load = models.BooleanField(_("assigns new cases by load"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Agency(models.Model):
    """An outside collection agency the bank may place cases with: its licence, whitelist status, contract,
    regions, capacity and commission schedule. Like a team, it is where a member of staff works; what
    happens to it (approval, suspension, placements, commission) is the agencies app's business."""

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    name = models.CharField(_("legal name"), max_length=200, unique=True)
    licence = models.CharField(_("licence or registration number"), max_length=100)
    status = models.CharField(_("whitelist status"), max_length=12, choices=Status.choices, default=Status.APPROVED)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    regions = models.JSONField(_("regions served"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (cases placed at once)"), default=500)
    placement_days = models.PositiveIntegerField(_("default placement days"), default=90)
    # Percent of amounts recovered; a bucket's own rate (by the bucket at placement) beats the base rate.
    commission_percent = models.DecimalField(_("base commission (percent)"), max_digits=5, decimal_places=2,
                                             default=Decimal("10"))
    commission_by_bucket = models.JSONField(_("commission by bucket (percent)"), default=dict, blank=True)
    # [{"min_rate": "0.20", "adjust_percent": "2"}]: a month whose recovery rate reaches min_rate has its
    # commission total raised (or lowered, if negative) by adjust_percent of that total.
    recovery_tiers = models.JSONField(_("recovery-rate tiers"), default=list, blank=True)
    contacts = models.TextField(_("contacts"), blank=True)
    ends_placement_on_conduct_complaint = models.BooleanField(
        _("a conduct complaint ends the placement"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["approved", "suspended", "terminated"]),
                                   name="agency_status_valid"),
        ]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """What the portal knows about a member of staff beyond their login: role, team, region, locale."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # Set for the staff of an outside agency, who work only the cases placed with it.
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="members")
    region = models.CharField(_("region"), max_length=100, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="staffprofile_role_valid"),
        ]

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_role_display()})"
