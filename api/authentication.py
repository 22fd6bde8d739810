"""Bearer tokens for core-system clients. `Authorization: Bearer <token>` or `Token <token>`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiClient
from api.selectors import api_client_for_token


class ClientPrincipal:
    """`request.user` for a core-system client: authenticated, but not a member of staff."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __init__(self, client: ApiClient):
        self.client = client

    def get_username(self) -> str:
        return f"api:{self.client.name}"

    def __str__(self):
        return self.get_username()


class ClientTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            token = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        client = api_client_for_token(token=token)
        if client is None:
            raise exceptions.AuthenticationFailed("The token is not valid or was revoked.")
        return ClientPrincipal(client), client

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A core-system client token from `manage.py create_api_client`."}
