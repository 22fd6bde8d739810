"""Form fields that keep what a person types inside a sensible window.

A date such as 9999-12-31 is valid to Python, but one day or one month added to it overflows, so an
unbounded date field is a server error waiting for a typo. Each bounded field takes the window as
callables, evaluated when the form is validated, so "today" is the day of the request.
"""

import datetime as dt
from collections.abc import Callable

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.currencies import ISO_4217

# The earliest date a search of the portal's own records may start from.
RECORDS_FROM = dt.date(2000, 1, 1)


def today() -> dt.date:
    return timezone.localdate()


def days_from_today(days: int) -> Callable[[], dt.date]:
    return lambda: today() + dt.timedelta(days=days)


def records_window() -> dict:
    """For searches and reports over the portal's records: from 2000 to a year ahead."""
    return {"earliest": lambda: RECORDS_FROM, "latest": days_from_today(366)}


def promise_date_window() -> dict:
    """A year either side of today: enough to keep date arithmetic in range. Which dates a promise may take
    (today to PROMISE_MAX_DAYS_AHEAD, in the cardholder's zone) is the promises service's rule alone, and
    its refusal is shown beside the same field, naming the allowed dates."""
    return {"earliest": days_from_today(-366), "latest": days_from_today(366)}


class _Bounded:
    """A field whose value must lie from `earliest()` to `latest()`, both included; outside them, an error
    beside the field naming the window in the reader's format."""

    out_of_range = ""

    def __init__(self, *, earliest: Callable, latest: Callable, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def shown(self, value) -> str:
        raise NotImplementedError

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, latest = self.earliest(), self.latest()
        if not earliest <= value <= latest:
            raise forms.ValidationError(self.out_of_range, code="out_of_range",
                                        params={"earliest": self.shown(earliest), "latest": self.shown(latest)})


class BoundedDateField(_Bounded, forms.DateField):
    """A date from `earliest()` to `latest()`, both included."""

    out_of_range = _("Enter a date from %(earliest)s to %(latest)s.")

    def shown(self, value) -> str:
        return date_format(value)


class BoundedDateTimeField(_Bounded, forms.DateTimeField):
    """A date and time from `earliest()` to `latest()` (aware datetimes)."""

    out_of_range = _("Enter a time from %(earliest)s to %(latest)s.")

    def shown(self, value) -> str:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError as exc:  # a far date made aware in the portal's zone
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class CurrencyField(forms.CharField):
    """An ISO 4217 currency code, however it is typed (" cny" is CNY); empty when optional and left blank."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def validate(self, value):
        super().validate(value)
        if value and value not in ISO_4217:
            raise forms.ValidationError(_("Enter an ISO 4217 currency code such as CNY."), code="currency")
