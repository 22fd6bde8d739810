"""Lean validation of batch items, compiled once from the DRF serializers that document them.

The serializers stay the single description of each item (they generate the OpenAPI schema); this
module turns their fields into plain checks, because running a serializer per item costs far more than
the bulk write that follows. Errors name the field by its path, e.g. `items[3].customer.phone`.
"""

import datetime as dt
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.validators import ProhibitSurrogateCharactersValidator


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


class _Invalid(Exception):
    def __init__(self, code: str, message: str, *more: tuple[str, str]):
        self.code, self.message = code, message
        # Every failed validator of a field, as DRF reports them: (code, message) pairs.
        self.errors = [(code, message), *more]


def _failed(errors: list[tuple[str, str]]) -> _Invalid:
    return _Invalid(*errors[0], *errors[1:])


def _char(field: serializers.CharField) -> Callable:
    trim, allow_blank = field.trim_whitespace, field.allow_blank

    def check(value):
        if value.__class__ is not str:
            # As DRF's CharField: plain numbers are taken as their text; booleans and composites are not.
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise _Invalid("invalid", "Not a valid string.")
            value = str(value)
        if trim:
            value = value.strip()
        if not value and not allow_blank:
            raise _Invalid("blank", "This field may not be blank.")
        return value
    return check


def _choice(field: serializers.ChoiceField) -> Callable:
    # As DRF's ChoiceField: a value is looked up by its text, and a blank one is taken where allowed.
    by_text, allow_blank = field.choice_strings_to_values, field.allow_blank

    def check(value):
        if value == "" and allow_blank:
            return ""
        try:
            return by_text[str(value)]
        except KeyError:
            raise _Invalid("invalid_choice", f"{value!r} is not one of: {', '.join(by_text)}.") from None
    return check


_WHOLE = re.compile(r"\.0*\s*$")  # "12.0" is 12, as DRF's IntegerField reads it


def _integer(field: serializers.IntegerField) -> Callable:
    def check(value):
        if isinstance(value, str) and len(value) > serializers.IntegerField.MAX_STRING_LENGTH:
            raise _Invalid("max_string_length", "String value too large.")
        try:
            return int(_WHOLE.sub("", str(value)))
        except (ValueError, TypeError):
            raise _Invalid("invalid", "A whole number is required.") from None
    return check


def _decimal(field: serializers.DecimalField) -> Callable:
    places, digits = field.decimal_places, field.max_digits
    exponent = Decimal(1).scaleb(-places)
    # The usual form, e.g. "1234.50": within the digits and places by its shape, so only parsed.
    plain = re.compile(rf"[0-9]{{1,{digits - places}}}(?:\.[0-9]{{1,{places}}})?").fullmatch

    def check(value):
        if value.__class__ is str and plain(value):
            return Decimal(value).quantize(exponent)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            # JSON numbers are binary floats to most senders and parsers: money travels as text.
            raise _Invalid("decimal_string_required",
                           "Send the amount as a decimal string, e.g. \"1234.50\", not as a JSON number.")
        if not isinstance(value, str):
            raise _Invalid("invalid", "A decimal number is required, e.g. \"1234.50\".")
        # Anything else is judged as DRF's DecimalField judges it (to_internal_value, validate_precision).
        text = str(value).strip()
        if len(text) > serializers.DecimalField.MAX_STRING_LENGTH:
            raise _Invalid("max_string_length", "The number is too long.")
        try:
            number = Decimal(text)
        except decimal.DecimalException as exc:
            raise _Invalid("invalid", "A decimal number is required, e.g. \"1234.50\".") from exc
        if not number.is_finite():
            raise _Invalid("invalid", "A finite decimal number is required.")
        _sign, shown, power = number.as_tuple()
        if power >= 0:
            total, whole, decimals = len(shown) + power, len(shown) + power, 0
        elif len(shown) > -power:
            total, whole, decimals = len(shown), len(shown) + power, -power
        else:
            total, whole, decimals = -power, 0, -power
        if total > digits:
            raise _Invalid("max_digits", f"At most {digits} digits are allowed.")
        if decimals > places:
            raise _Invalid("max_decimal_places", f"At most {places} decimal places are allowed.")
        if whole > digits - places:
            raise _Invalid("max_whole_digits",
                           f"At most {digits - places} digits before the decimal point are allowed.")
        return number.quantize(exponent)
    return check


def _date(field) -> Callable:
    def check(value):
        # Django's parse_date, as DRF's DateField reads ISO 8601 (date.fromisoformat first).
        try:
            day = parse_date(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            raise _Invalid("invalid", "A date as YYYY-MM-DD is required.")
        return day
    return check


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its UTC offset: a sender's clock is not ours to guess."""

    default_error_messages = {"offset_required": "The date and time must carry a UTC offset, e.g. +08:00."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            if len(value) <= 10:  # a date alone (YYYY-MM-DD or YYYYMMDD) names no moment
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]]±hh:mm")
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is None:
                self.fail("offset_required")
        return super().to_internal_value(value)


def _datetime(field) -> Callable:
    offset_required = isinstance(field, OffsetDateTimeField)

    def check(value):
        # Django's parse_datetime, as DRF's DateTimeField reads ISO 8601 (datetime.fromisoformat first).
        try:
            named = isinstance(value, str) and (len(value) > 10 or not offset_required)
            moment = parse_datetime(value) if named else None
        except ValueError:
            moment = None
        if moment is None:
            raise _Invalid("invalid", "An ISO 8601 date and time with an offset is required.")
        if moment.tzinfo is None:
            if offset_required:
                raise _Invalid("offset_required", "The date and time must carry a UTC offset, e.g. +08:00.")
            moment = moment.replace(tzinfo=timezone.get_current_timezone())
        try:
            # DRF moves the value into the current zone first, which fails at the ends of the calendar.
            return moment.astimezone(timezone.get_current_timezone()).astimezone(dt.UTC)
        except OverflowError as exc:
            raise _Invalid("overflow", "The date and time is out of range.") from exc
    return check


def _converter(field) -> Callable:
    # Order matters: EmailField is a CharField, and DateTimeField is not a DateField.
    if isinstance(field, serializers.ChoiceField):
        return _choice(field)
    if isinstance(field, serializers.CharField):
        return _char(field)
    if isinstance(field, serializers.DecimalField):
        return _decimal(field)
    if isinstance(field, serializers.IntegerField):
        return _integer(field)
    if isinstance(field, serializers.DateTimeField):
        return _datetime(field)
    if isinstance(field, serializers.BooleanField):
        return _boolean
    if isinstance(field, serializers.TimeField):
        return _time
    if isinstance(field, serializers.DateField):
        return _date(field)
    raise TypeError(f"no lean check for {type(field).__name__}")


_SURROGATES = re.compile("[\ud800-\udfff]")
_MISSING = object()


def _fast_check(validator) -> Callable | None:
    """A plain-Python equivalent of one of the validators DRF attaches to its fields, or None."""
    if isinstance(validator, MaxLengthValidator):
        limit = validator.limit_value

        def check(value):
            if len(value) > limit:
                raise _Invalid("max_length", f"Ensure this field has no more than {limit} characters.")
        return check
    if isinstance(validator, MinLengthValidator):
        limit = validator.limit_value

        def check(value):
            if len(value) < limit:
                raise _Invalid("min_length", f"Ensure this field has at least {limit} characters.")
        return check
    if isinstance(validator, ProhibitNullCharactersValidator):
        def check(value):
            if "\x00" in value:
                raise _Invalid("null_characters_not_allowed", "Null characters are not allowed.")
        return check
    if isinstance(validator, ProhibitSurrogateCharactersValidator):
        def check(value):
            if _SURROGATES.search(value):
                raise _Invalid("surrogate_characters_not_allowed", "Surrogate characters are not allowed.")
        return check
    if isinstance(validator, MinValueValidator):
        limit = validator.limit_value

        def check(value):
            if value < limit:
                raise _Invalid("min_value", f"Ensure this value is greater than or equal to {limit}.")
        return check
    if isinstance(validator, MaxValueValidator):
        limit = validator.limit_value

        def check(value):
            if value > limit:
                raise _Invalid("max_value", f"Ensure this value is less than or equal to {limit}.")
        return check
    return None


_TEXT_VALIDATORS = (MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator,
                    ProhibitSurrogateCharactersValidator)


def _text_check(field, convert) -> Callable | None:
    """One check for a text field whose validators are its own ones (after any others), in DRF's order.

    The same errors as running the validators one by one, without a call per validator and value.
    """
    if not isinstance(field, serializers.CharField) or isinstance(field, serializers.ChoiceField):
        return None
    validators = list(field.validators)
    own = [v for v in validators if type(v) in _TEXT_VALIDATORS]
    others = validators[:len(validators) - len(own)]
    if validators[len(others):] != own or [type(v) for v in own] != [type(v) for v in sorted(
            own, key=lambda v: _TEXT_VALIDATORS.index(type(v)))]:
        return None
    first = [_fast_check(v) or _call(v) for v in others]
    longest = next((v.limit_value for v in own if type(v) is MaxLengthValidator), None)
    shortest = next((v.limit_value for v in own if type(v) is MinLengthValidator), None)
    nul = any(type(v) is ProhibitNullCharactersValidator for v in own)
    surrogates = any(type(v) is ProhibitSurrogateCharactersValidator for v in own)

    def check(value):
        value = convert(value)
        if not value:  # a blank value where one is allowed: DRF runs no validator on it
            return value
        # Like DRF, every validator runs and each failure is reported, in the validators' order.
        failed = []
        for extra in first:
            try:
                extra(value)
            except _Invalid as exc:
                failed.extend(exc.errors)
        if longest is not None and len(value) > longest:
            failed.append(("max_length", f"Ensure this field has no more than {longest} characters."))
        if shortest is not None and len(value) < shortest:
            failed.append(("min_length", f"Ensure this field has at least {shortest} characters."))
        if nul and "\x00" in value:
            failed.append(("null_characters_not_allowed", "Null characters are not allowed."))
        if surrogates and _SURROGATES.search(value):
            failed.append(("surrogate_characters_not_allowed", "Surrogate characters are not allowed."))
        if failed:
            raise _failed(failed)
        return value
    return check


def _call(validator) -> Callable:
    def check(value):
        try:
            validator(value)
        except DrfValidationError as exc:
            detail = exc.detail[0] if isinstance(exc.detail, list) else exc.detail
            raise _Invalid(getattr(detail, "code", "invalid"), str(detail)) from exc
        except DjangoValidationError as exc:
            raise _Invalid(exc.code or "invalid", exc.messages[0]) from exc
    return check


def _boolean(value):
    # JSON's true and false only: a batch from another system says what it means.
    if value is not True and value is not False:
        raise _Invalid("invalid", "Must be a valid boolean.")
    return value


def _time(value):
    try:
        return dt.time.fromisoformat(value) if isinstance(value, str) and len(value) in (5, 8) else _bad_time()
    except ValueError:
        return _bad_time()


def _bad_time():
    raise _Invalid("invalid", "Time has wrong format. Use HH:MM.")


class ObjectValidator:
    """Checks one JSON object against a serializer's fields; returns (clean dict, errors)."""

    def __init__(self, serializer: serializers.Serializer):
        self.fields: list[tuple[str, bool, bool, object]] = []
        for name, field in serializer.fields.items():
            if isinstance(field, serializers.ListSerializer) and isinstance(field.child, serializers.Serializer):
                check = ListValidator(field)
            elif isinstance(field, serializers.Serializer):
                check = ObjectValidator(field)
            else:
                convert = _converter(field)
                check = (_text_check(field, convert) or self._with_validators(field, convert)) if field.validators \
                    else convert
            self.fields.append((name, field.required, field.allow_null, check))
        self.names = frozenset(name for name, *_ in self.fields)

    @staticmethod
    def _with_validators(field, convert):
        checks = [_fast_check(validator) or _call(validator) for validator in field.validators]
        blank_allowed = isinstance(field, serializers.CharField) and field.allow_blank

        def check(value):
            value = convert(value)
            if blank_allowed and value == "":  # DRF runs no validator on an allowed blank
                return value
            failed = []  # every validator runs, as in DRF
            for extra in checks:
                try:
                    extra(value)
                except _Invalid as exc:
                    failed.extend(exc.errors)
            if failed:
                raise _failed(failed)
            return value
        return check

    def validate(self, data, path: str) -> tuple[dict | None, list[FieldError]]:
        if not isinstance(data, dict):
            return None, [FieldError(path, "invalid" if data is not None else "null", "An object is required.")]
        errors: list[FieldError] = []
        clean: dict = {}
        for name, required, allow_null, check in self.fields:
            value = data.get(name, _MISSING)
            if value is _MISSING:
                if required:
                    errors.append(FieldError(f"{path}.{name}", "required", "This field is required."))
                continue
            if value is None:
                if not allow_null:
                    errors.append(FieldError(f"{path}.{name}", "null", "This field may not be null."))
                else:
                    clean[name] = None
                continue
            if check.__class__ is ObjectValidator or check.__class__ is ListValidator:
                sub, sub_errors = check.validate(value, f"{path}.{name}")
                errors.extend(sub_errors)
                clean[name] = sub
                continue
            try:
                clean[name] = check(value)
            except _Invalid as exc:
                errors.extend(FieldError(f"{path}.{name}", code, message) for code, message in exc.errors)
        if len(data) > len(self.names) or not self.names.issuperset(data):
            errors.extend(FieldError(f"{path}.{key}", "unknown_field", "This field is not part of the format.")
                          for key in data if key not in self.names)
        return (None if errors else clean), errors


class ListValidator:
    """Checks a JSON list of objects against a `many=True` serializer, as DRF's ListSerializer does: the
    list as a whole first (its type and length), then each object, named by its index."""

    def __init__(self, field: serializers.ListSerializer):
        self.child = ObjectValidator(field.child)
        self.max_length, self.min_length, self.allow_empty = field.max_length, field.min_length, field.allow_empty

    def validate(self, data, path: str) -> tuple[list | None, list[FieldError]]:
        if not isinstance(data, list):
            return None, [FieldError(path, "not_a_list",
                                     f'Expected a list of items but got type "{type(data).__name__}".')]
        if not data and not self.allow_empty:
            return None, [FieldError(path, "empty", "This list may not be empty.")]
        if self.max_length is not None and len(data) > self.max_length:
            return None, [FieldError(path, "max_length",
                                     f"Ensure this field has no more than {self.max_length} elements.")]
        if self.min_length is not None and len(data) < self.min_length:
            return None, [FieldError(path, "min_length", f"Ensure this field has at least {self.min_length} elements.")]
        clean, errors = [], []
        for index, item in enumerate(data):
            value, item_errors = self.child.validate(item, f"{path}[{index}]")
            clean.append(value)
            errors.extend(item_errors)
        return (None if errors else clean), errors
