from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from api.authentication import ClientTokenAuthentication
from api.parsers import LimitedJSONParser
from api.permissions import ClientHasScope
from core.api import ErrorResponseSerializer

ERRORS = ErrorResponseSerializer


class CoreSystemApi(APIView):
    """Base of the v1 endpoints: client tokens first (so a missing one answers 401), JSON only."""

    authentication_classes = [ClientTokenAuthentication, SessionAuthentication]
    permission_classes = [ClientHasScope]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    required_scope: str = ""
    staff_may_read = False
