"""The OpenAPI schema and the interactive docs, for staff sessions and API clients.

The docs are drf-spectacular's split view: the page loads Swagger UI and its initialising script as
files from this site, so the Content-Security-Policy (no inline script or style) holds.
"""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import JSONRenderer

from api.authentication import ClientTokenAuthentication
from api.permissions import StaffOrClient

# The API's own token authentication first, so that a client reads the schema as it calls the API.
SCHEMA_AUTHENTICATION = [ClientTokenAuthentication, SessionAuthentication]


class ApiSchemaView(SpectacularAPIView):
    authentication_classes = SCHEMA_AUTHENTICATION
    permission_classes = [StaffOrClient]

    def handle_exception(self, exc):
        # A refusal is an error in the API's JSON shape, not an OpenAPI document.
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response


class ApiDocsView(SpectacularSwaggerSplitView):
    authentication_classes = SCHEMA_AUTHENTICATION
    permission_classes = [StaffOrClient]
    url_name = "api-schema"

    def handle_exception(self, exc):
        # A person opening the docs without a session is sent to sign in, like on every other page.
        if isinstance(exc, NotAuthenticated) and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
