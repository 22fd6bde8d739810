from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from core.forms import BoundedDateField, promise_date_window, today
from repayment_plans.affordability import IncomeAndExpenditure
from repayment_plans.calculator import add_months
from repayment_plans.models import PLAN_MAX_MONTHS, IncomeSource, PlanBasis, PlanKind, PromiseChannel

MONEY = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2, "required": False}
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
    # Checked by the service: required for a call when the bank requires recordings.
    recording_ref = forms.CharField(label=_("Recording id"), required=False, max_length=200)
    recording_sha256 = forms.CharField(label=_("Recording SHA-256 (optional)"), required=False, max_length=64)


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
    # Needed to propose, not to calculate: the plans service asks for it.
    basis = forms.ChoiceField(label=_("Why a plan"), choices=PlanBasis.choices, widget=forms.RadioSelect,
                              required=False)
    terms = forms.CharField(label=_("Further terms"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    # The income and expenditure statement: optional, but all of it or none of it.
    monthly_income = forms.DecimalField(label=_("Monthly income"), **MONEY)
    income_sources = forms.MultipleChoiceField(label=_("Sources of income"), choices=IncomeSource.choices,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    household_size = forms.IntegerField(label=_("People in the household"), min_value=1, max_value=99,
                                        required=False)
    essential_spending = forms.DecimalField(label=_("Essential spending a month"), **MONEY)
    other_debts = forms.DecimalField(label=_("Payments on other debts a month"), **MONEY)
    shortfall_reason = forms.CharField(label=_("Why the plan goes ahead though the instalment exceeds the "
                                               "disposable income"), required=False, max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 2}))

    STATEMENT = ("monthly_income", "income_sources", "household_size", "essential_spending", "other_debts",
                 "shortfall_reason")
    STATEMENT_REQUIRED = ("monthly_income", "household_size", "essential_spending")

    def clean(self):
        data = super().clean()
        given = [name for name in self.STATEMENT if data.get(name) not in (None, "", [])]
        if given and given != ["shortfall_reason"]:
            for name in self.STATEMENT_REQUIRED:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Needed for the income and expenditure statement."))
        return data

    def waivers(self) -> dict[str, Decimal]:
        return {part: self.cleaned_data.get(f"waive_{part}") or Decimal("0")
                for part in ("principal", "interest", "fees", "penalty")}

    def statement(self) -> IncomeAndExpenditure | None:
        data = getattr(self, "cleaned_data", {})
        if any(data.get(name) is None for name in self.STATEMENT_REQUIRED):
            return None
        return IncomeAndExpenditure(
            monthly_income=data["monthly_income"], income_sources=tuple(data.get("income_sources") or ()),
            household_size=data["household_size"], essential_spending=data["essential_spending"],
            other_debts=data.get("other_debts") or Decimal("0"))

    def plan_fields(self):
        return [self[name] for name in self.fields if name not in self.STATEMENT]

    def statement_fields(self):
        return [self[name] for name in self.STATEMENT]


class DecisionForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class WriteOffForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why write off the balance?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CodeForm(DomainErrorFormMixin, forms.Form):
    code = forms.RegexField(label=_("Code the cardholder received"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    # The code is read out on a call: the call's recording, checked by the service.
    recording_ref = forms.CharField(label=_("Recording id"), required=False, max_length=200)
    recording_sha256 = forms.CharField(label=_("Recording SHA-256 (optional)"), required=False, max_length=64)


class SignedCopyForm(DomainErrorFormMixin, forms.Form):
    signed_copy = forms.FileField(label=_("Signed agreement (PDF, PNG or JPEG)"))
