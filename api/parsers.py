import codecs
import json
import re
from decimal import Decimal

import orjson
from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"
    default_detail = "The request body is over the size limit."


def _no_constants(name):
    raise ValueError(f"{name} is not a number")


# A \uD800–\uDFFF escape; json.loads joins valid pairs, so only a lone one survives into the data.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


# A number with a fraction or an exponent (read as an exact Decimal), or one too long for 64 bits. A match
# inside a string only sends the body down the slower path, which reads it the same way.
_INEXACT_NUMBER = re.compile(rb"[:\[,]\s*-?[0-9]+(?:\.|[eE])|[0-9]{19}")


def _loads(body: bytes, encoding: str):
    """The body's JSON. orjson reads the usual body (strings and whole numbers) several times faster;
    anything else, and every malformed body, goes through the standard parser, which words the errors."""
    if codecs.lookup(encoding).name == "utf-8" and not _INEXACT_NUMBER.search(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body.decode(encoding), parse_float=Decimal, parse_constant=_no_constants)


class LimitedJSONParser(JSONParser):
    """JSON up to settings.API_MAX_BODY_BYTES. Numbers with a fraction are read as exact Decimals."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = parser_context["request"]
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        try:
            data = _loads(body, parser_context.get("encoding") or settings.DEFAULT_CHARSET)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc
        if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
            raise exceptions.ParseError("The body holds a lone UTF-16 surrogate, which is not valid text.")
        return data
