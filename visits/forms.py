from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from core.forms import BoundedDateField, days_from_today, promise_date_window
from staff.models import Role
from visits.models import Attitude, IdentityMethod, NextStep, VisitOutcome, VisitPriority, Willingness

TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
COORD = {"max_digits": 9, "decimal_places": 6, "required": False}
# A visit is planned for a day from yesterday (the cardholder's zone may be behind) to a year ahead.
VISIT_DAY = {"earliest": days_from_today(-1), "latest": days_from_today(366)}


class VisitRequestForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for the visit"), max_length=1000)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=VisitPriority.choices, coerce=int,
                                      initial=VisitPriority.NORMAL)
    address = forms.CharField(label=_("Address (blank: the cardholder's)"), max_length=300, required=False)
    region = forms.CharField(label=_("Region (blank: the cardholder's)"), max_length=100, required=False)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), min_value=-90, max_value=90, **COORD)
    longitude = forms.DecimalField(label=_("Longitude"), min_value=-180, max_value=180, **COORD)


def field_agents() -> list:
    users = get_user_model().objects.filter(profile__role=Role.FIELD_AGENT, is_active=True)
    return list(users.select_related("profile").order_by("username"))


def _agent_label(user) -> str:
    region = user.profile.region
    return f"{user.get_username()} · {region}" if region else user.get_username()


class VisitAssignForm(DomainErrorFormMixin, forms.Form):
    agent = forms.TypedChoiceField(label=_("Field agent"), coerce=int)
    second_agent = forms.TypedChoiceField(label=_("Second field agent"), coerce=int, required=False,
                                          empty_value=None)
    day = BoundedDateField(label=_("Date"), **DATE, **VISIT_DAY)
    start = forms.TimeField(label=_("From (cardholder's time)"), **TIME)
    end = forms.TimeField(label=_("Until (cardholder's time)"), **TIME)

    def __init__(self, *args, agents: list | None = None, **kwargs):
        """`agents`: the field agents to offer, read once for a whole board of forms."""
        super().__init__(*args, **kwargs)
        self.agents = {user.pk: user for user in (field_agents() if agents is None else agents)}
        choices = [(pk, _agent_label(user)) for pk, user in self.agents.items()]
        self.fields["agent"].choices = [("", "—"), *choices]
        self.fields["second_agent"].choices = [("", "—"), *choices]

    def clean(self):
        data = super().clean()
        for name in ("agent", "second_agent"):
            if data.get(name) is not None:
                data[name] = self.agents[data[name]]
        return data


class AutoAssignForm(DomainErrorFormMixin, forms.Form):
    day = BoundedDateField(label=_("Date"), **DATE, **VISIT_DAY)
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
    promise_date = BoundedDateField(label=_("Promised by"), required=False, **DATE, **promise_date_window())
    plan_interest = forms.BooleanField(label=_("Interested in a repayment plan"), required=False)
    documents = MultipleFileField(label=_("Photos or documents (JPEG, PNG, PDF)"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
