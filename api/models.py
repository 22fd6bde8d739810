from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    INGEST = "ingest", _("Push accounts and payments")
    READ = "read", _("Read cases and events")
    TELEPHONY = "telephony", _("Report calls and messages from the telephony and SMS systems")


class ApiClient(models.Model):
    """A service account of the core system. Only a hash of its token is stored; the token is shown once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    token_prefix = models.CharField(_("token prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [models.CheckConstraint(condition=~Q(token_hash=""), name="apiclient_token_hash_set")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
