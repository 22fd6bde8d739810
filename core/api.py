"""One exception handler for the whole REST API: every error is JSON, with field paths where they exist."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _flatten(detail, path=""):
    """Turn DRF's nested error detail into a flat list of {"field": "a.b.0.c", "message", "code"}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            sub = f"{path}.{key}" if path else str(key)
            out.extend(_flatten(value, sub))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [{"field": path or None, "message": str(item), "code": getattr(item, "code", "invalid")}
                    for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_flatten(item, f"{path}.{index}" if path else str(index)))
        return out
    return [{"field": path or None, "message": str(detail), "code": getattr(detail, "code", "invalid")}]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"error": {"code": exc.code, "message": exc.message,
                          "fields": [{"field": exc.field, "message": exc.message, "code": exc.code}]
                          if exc.field else []}}
        return Response(body, status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = {"error": {"code": "invalid", "message": "The request is not valid.", "fields": fields}}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = getattr(exc, "detail", "")
        response.data = {"error": {"code": getattr(detail, "code", exc.__class__.__name__.lower()),
                                   "message": str(detail), "fields": []}}
    return response
