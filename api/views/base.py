from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ErrorDetail, ValidationError
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

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # `?updated_since=` is not "no filter" and not "since the start of time": the client meant
        # something and we cannot tell what, so it is refused, naming the parameter.
        blank = sorted(name for name, values in request.query_params.lists() if any(v == "" for v in values))
        if blank:
            raise ValidationError({name: [ErrorDetail("An empty value is not allowed; leave the parameter out.",
                                                      code="blank")] for name in blank})
