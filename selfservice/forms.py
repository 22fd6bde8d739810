from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.lifecycle import HardshipCause
from complaints.models import Category, Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by its content in the service (core.uploads)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class IdentityForm(forms.Form):
    last_four = forms.CharField(label=_("Last four characters of your ID number"), max_length=8,
                                help_text=_("Four digits, or three digits and X."),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "autocapitalize": "characters"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The 6-digit code we sent by text message"), max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount you will pay"), max_digits=14, decimal_places=2, min_value=0.01)
    due_date = forms.DateField(label=_("Pay by"), widget=forms.DateInput(attrs={"type": "date"}))


class DisputeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=Kind.choices, widget=forms.RadioSelect)
    # No choice made for them: a dispute about the amount must not arrive as one about a collector's conduct.
    category = forms.ChoiceField(label=_("What is it about?"), choices=[("", _("Choose one"))] + Category.choices)
    description = forms.CharField(label=_("Tell us what happened"), max_length=4000, widget=forms.Textarea)
    files = MultipleFileField(label=_("Documents (PDF, PNG or JPEG, up to 5 MB each)"), required=False)


class CallbackForm(forms.Form):
    at = forms.DateTimeField(label=_("When should we call you?"),
                             help_text=_("Between 08:00 and 21:00, your time."),
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class HardshipForm(forms.Form):
    cause = forms.ChoiceField(label=_("What has happened?"), choices=HardshipCause.choices)
    reason = forms.CharField(label=_("Tell us more"), max_length=2000, widget=forms.Textarea)
    until = forms.DateField(label=_("Until when do you need a pause?"), widget=forms.DateInput(attrs={"type": "date"}))
    files = MultipleFileField(label=_("Evidence (PDF, PNG or JPEG, up to 5 MB each)"), required=False)


class PreferencesForm(forms.Form):
    no_sms = forms.BooleanField(label=_("No text messages (SMS)"), required=False)
    no_email = forms.BooleanField(label=_("No emails"), required=False)
    no_calls = forms.BooleanField(label=_("No phone calls"), required=False)
    window_from = forms.TimeField(label=_("Call me from"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}))
    window_until = forms.TimeField(label=_("Call me until"), required=False,
                                   widget=forms.TimeInput(attrs={"type": "time"}))


class PlanRequestForm(forms.Form):
    """What the cardholder can pay, and why: their income and expenditure statement, by a few heads."""

    monthly_income = forms.DecimalField(label=_("Your income each month, after tax"), max_digits=14, decimal_places=2,
                                        min_value=0)
    housing = forms.DecimalField(label=_("Rent or mortgage"), max_digits=14, decimal_places=2, min_value=0,
                                 required=False)
    living = forms.DecimalField(label=_("Food and household"), max_digits=14, decimal_places=2, min_value=0,
                                required=False)
    transport = forms.DecimalField(label=_("Transport"), max_digits=14, decimal_places=2, min_value=0, required=False)
    children = forms.DecimalField(label=_("Children and care"), max_digits=14, decimal_places=2, min_value=0,
                                  required=False)
    debts = forms.DecimalField(label=_("Payments on other debts"), max_digits=14, decimal_places=2, min_value=0,
                               required=False)
    other = forms.DecimalField(label=_("Other spending"), max_digits=14, decimal_places=2, min_value=0, required=False)
    dependants = forms.IntegerField(label=_("People who depend on you"), min_value=0, max_value=98, initial=0)
    proposed_monthly = forms.DecimalField(label=_("What you can pay us each month"), max_digits=14, decimal_places=2,
                                          min_value=Decimal("0.01"))

    EXPENSE_FIELDS = ("housing", "living", "transport", "children", "debts", "other")
