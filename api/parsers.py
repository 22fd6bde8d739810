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
# Every object key is a string followed by a colon. Some string values match too (`"a\":b"`), so the
# count is an upper bound of the keys: equal to the keys read means no key was read twice.
_KEY = re.compile(rb'"\s*:')

# The deepest nesting a body may have. A batch is four levels deep ({"items": [{"customer": {...}}]});
# the limit leaves room for any field to hold a small structure of its own, which validation rejects
# field by field, while a body nested thousands deep is refused before anything walks it.
MAX_DEPTH = 32


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _pairs(pairs: list) -> dict:
    """`object_pairs_hook` refusing an object that names a key twice: JSON leaves it undefined, and
    keeping the last silently would let two readers of the same body disagree."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _shape(data) -> tuple[int, int]:
    """(depth, number of object keys) of parsed JSON, without recursion; stops once past MAX_DEPTH."""
    depth, keys = 0, 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if level > depth:
            depth = level
            if depth > MAX_DEPTH:
                return depth, keys
        if value.__class__ is dict:
            keys += len(value)
            children = value.values()
        elif value.__class__ is list:
            children = value
        else:
            continue
        stack.extend((child, level + 1) for child in children if child.__class__ in (dict, list))
    return depth, keys


def _standard(text: str):
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_pairs)


def _loads(body: bytes, encoding: str):
    """The body's JSON. orjson reads the usual body (strings and whole numbers) several times faster;
    anything else, every malformed body and any body that may name a key twice goes through the standard
    parser, which words the errors and refuses duplicate keys."""
    if codecs.lookup(encoding).name == "utf-8" and not _INEXACT_NUMBER.search(body):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            depth, keys = _shape(data)
            if depth > MAX_DEPTH:
                raise _TooDeep
            if keys == len(_KEY.findall(body)):
                return data
    data = _standard(body.decode(encoding))
    if _shape(data)[0] > MAX_DEPTH:
        raise _TooDeep
    return data


class _TooDeep(ValueError):
    pass


class LimitedJSONParser(JSONParser):
    """JSON up to settings.API_MAX_BODY_BYTES and MAX_DEPTH levels, each key once per object.

    Numbers with a fraction are read as exact Decimals."""

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
        except (_TooDeep, RecursionError) as exc:
            raise exceptions.ParseError(f"The body nests deeper than {MAX_DEPTH} levels.", code="too_deep") from exc
        except _DuplicateKey as exc:
            raise exceptions.ParseError(f"The key {exc.key!r} appears twice in one object; send each key once.",
                                        code="duplicate_key") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc
        if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
            raise exceptions.ParseError("The body holds a lone UTF-16 surrogate, which is not valid text.")
        return data
