from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from staff.models import Role
from visits.models import Attitude, IdentityMethod, NextStep, VisitOutcome, VisitPriority, Willingness

TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
COORD = {"max_digits": 9, "decimal_places": 6, "required": False}


class VisitRequestForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for the visit"), max_length=1000)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=VisitPriority.choices, coerce=int,
                                      initial=VisitPriority.NORMAL)
    address = forms.CharField(label=_("Address (blank: the cardholder's)"), max_length=300, required=False)
    region = forms.CharField(label=_("Region (blank: the cardholder's)"), max_length=100, required=False)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), min_value=-90, max_value=90, **COORD)
    longitude = forms.DecimalField(label=_("Longitude"), min_value=-180, max_value=180, **COORD)


def _field_agents():
    return get_user_model().objects.filter(profile__role=Role.FIELD_AGENT, is_active=True).order_by("username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        region = obj.profile.region
        return f"{obj.get_username()} · {region}" if region else obj.get_username()


class VisitAssignForm(DomainErrorFormMixin, forms.Form):
    agent = AgentChoiceField(label=_("Field agent"), queryset=_field_agents())
    second_agent = AgentChoiceField(label=_("Second field agent"), queryset=_field_agents(), required=False)
    day = forms.DateField(label=_("Date"), **DATE)
    start = forms.TimeField(label=_("From (cardholder's time)"), **TIME)
    end = forms.TimeField(label=_("Until (cardholder's time)"), **TIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _field_agents().select_related("profile")
        self.fields["second_agent"].queryset = _field_agents().select_related("profile")


class AutoAssignForm(DomainErrorFormMixin, forms.Form):
    day = forms.DateField(label=_("Date"), **DATE)
    start = forms.TimeField(label=_("From"), **TIME)
    end = forms.TimeField(label=_("Until"), **TIME)


class CheckInForm(DomainErrorFormMixin, forms.Form):
    # Filled by static/js/visits.js from the phone's location when the agent allows it.
    latitude = forms.DecimalField(label=_("Latitude"), min_value=-90, max_value=90, **COORD)
    longitude = forms.DecimalField(label=_("Longitude"), min_value=-180, max_value=180, **COORD)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class VisitReportForm(DomainErrorFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *VisitOutcome.choices])
    identity_method = forms.ChoiceField(label=_("Identity verified by"), choices=IdentityMethod.choices,
                                        required=False)
    amount_confirmed = forms.BooleanField(label=_("Amount owed confirmed with the cardholder"), required=False)
    delinquency_reason = forms.CharField(label=_("Reason for the delinquency"), max_length=2000, required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    willingness = forms.ChoiceField(label=_("Willingness to repay"), choices=[("", "—"), *Willingness.choices],
                                    required=False)
    attitude = forms.ChoiceField(label=_("Cardholder's attitude"), choices=[("", "—"), *Attitude.choices],
                                 required=False)
    others_present = forms.CharField(label=_("Who else was present"), max_length=300, required=False)
    next_step = forms.ChoiceField(label=_("Next step"), choices=NextStep.choices, required=False)
    promise_amount = forms.DecimalField(label=_("Promised amount"), max_digits=14, decimal_places=2,
                                        required=False, min_value=0)
    promise_date = forms.DateField(label=_("Promised by"), required=False, **DATE)
    plan_interest = forms.BooleanField(label=_("Interested in a repayment plan"), required=False)
    documents = MultipleFileField(label=_("Photos or documents (JPEG, PNG, PDF)"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
