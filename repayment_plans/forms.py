from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from core.forms import BoundedDateField, promise_date_window, today
from repayment_plans.calculator import add_months
from repayment_plans.models import PlanKind, PromiseChannel

PLAN_MAX_MONTHS = 60
PERCENT = {"min_value": Decimal("0"), "max_value": Decimal("100"), "max_digits": 5, "decimal_places": 2,
           "initial": Decimal("0"), "required": False}
STAFF_PROMISE_CHANNELS = [(PromiseChannel.CALL, PromiseChannel.CALL.label),
                          (PromiseChannel.VISIT, PromiseChannel.VISIT.label)]


class PromiseForm(DomainErrorFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount promised"), min_value=Decimal("0.01"), max_digits=14,
                                decimal_places=2)
    due_date = BoundedDateField(label=_("Promised date"), widget=forms.DateInput(attrs={"type": "date"}),
                                **promise_date_window())
    channel = forms.ChoiceField(label=_("Taken by"), choices=STAFF_PROMISE_CHANNELS)
    note = forms.CharField(label=_("Promise note"), required=False, max_length=1000)


class PlanForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Plan type"), choices=PlanKind.choices)
    count = forms.IntegerField(label=_("Monthly payments"), min_value=1, max_value=60, initial=6)
    # Within the 60 months a plan may run at most; how long the whole plan runs is the negotiation rules' call.
    first_due_date = BoundedDateField(label=_("First payment due"), widget=forms.DateInput(attrs={"type": "date"}),
                                      earliest=today, latest=lambda: add_months(today(), PLAN_MAX_MONTHS))
    waive_interest = forms.DecimalField(label=_("Waive interest (%)"), **PERCENT)
    waive_fees = forms.DecimalField(label=_("Waive fees (%)"), **PERCENT)
    waive_penalty = forms.DecimalField(label=_("Waive penalty (%)"), **PERCENT)
    waive_principal = forms.DecimalField(label=_("Waive principal (%)"), **PERCENT)
    terms = forms.CharField(label=_("Further terms"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def waivers(self) -> dict[str, Decimal]:
        return {part: self.cleaned_data.get(f"waive_{part}") or Decimal("0")
                for part in ("principal", "interest", "fees", "penalty")}


class DecisionForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class CodeForm(DomainErrorFormMixin, forms.Form):
    code = forms.RegexField(label=_("Code the cardholder received"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class SignedCopyForm(DomainErrorFormMixin, forms.Form):
    signed_copy = forms.FileField(label=_("Signed agreement (PDF, PNG or JPEG)"))
