"""Writes for API clients: create one (the token is returned once, only its hash is kept) and revoke it."""

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import ApiClient, Scope
from core.errors import Conflict, DomainError, NotFound

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    # The token carries 256 random bits, so a fast hash is enough: nothing can be guessed from it.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """Create an active client with `scopes` and return it with its token, which is not stored anywhere.

    Raises DomainError for an unknown scope or no scope, Conflict when the name is taken.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError("A name is required.", code="required", field="name")
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise DomainError(f"Scopes must be some of: {', '.join(Scope.values)}.", code="invalid_scope",
                          field="scopes")
    token = "cp_" + secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with transaction.atomic():
            client = ApiClient.objects.create(name=name, scopes=scopes, token_prefix=token[:10],
                                              token_hash=token_hash(token))
    except IntegrityError as exc:
        raise Conflict(f"An API client named {name!r} exists already.", code="name_taken", field="name") from exc
    return client, token


def api_client_revoke(*, name: str) -> ApiClient:
    """Revoke a client's token from now on. Revoking twice changes nothing."""
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise NotFound(f"No API client is named {name!r}.", field="name")
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    client.refresh_from_db()
    return client
