"""One exception handler for the whole REST API. Every error body has the same shape:

    {"errors": [{"field": "items[3].amount", "code": "max_decimal_places", "message": "..."}]}

`field` is the path of the offending input (null when the error concerns the whole request); `code` is
stable and machine-readable; `message` is for people.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Path of the offending input, e.g. items[3].amount.")
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


def error_body(*errors: dict) -> dict:
    return {"errors": list(errors)}


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key in (None, api_settings.NON_FIELD_ERRORS_KEY):
        return path
    return f"{path}.{key}" if path else str(key)


def flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {"field": "items[3].amount", "code", "message"}."""
    if isinstance(detail, dict):
        return [error for key, value in detail.items() for error in flatten(value, _join(path, key))]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path or None, "code": getattr(item, "code", "invalid"), "message": str(item)}
                    for item in detail]
        return [error for index, item in enumerate(detail) for error in flatten(item, _join(path, index))]
    return [{"field": path or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away (a restart, a failover). The batch's transaction rolled back with it,
        # so the client may safely send the same request again: say so instead of a bare 500.
        return Response(
            error_body({"field": None, "code": "database_unavailable",
                        "message": "The database is unavailable; nothing was saved. Retry the same request."}),
            status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    if isinstance(exc, RequestDataTooBig):
        # Django's own body limit (REQUEST_MAX_BYTES) trips before the parser's: still a JSON 413.
        return Response(error_body({"field": None, "code": "body_too_large",
                                    "message": "The request body is over the size limit."}),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        with translation.override("en"):  # messages for machines (and their logs) stay English
            message = exc.message
        return Response(error_body({"field": exc.field, "code": exc.code, "message": message}),
                        status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(*flatten(exc.detail))
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = error_body({"field": None, "code": getattr(exc.detail, "code", exc.default_code),
                                    "message": detail})
    return response
