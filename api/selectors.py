from api.models import ApiClient
from api.services import token_hash


def api_client_for_token(*, token: str) -> ApiClient | None:
    """The active client that holds `token`, or None."""
    return ApiClient.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).first()
