import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from contacts.models import AttemptResult, Channel, DelinquencyReason, Direction
from contacts.services import MAX_EXCEPTION_HOURS, STAFF_BACKDATE
from core.forms import BoundedDateTimeField

STAFF_CHANNELS = [(Channel.CALL, Channel.CALL.label), (Channel.VISIT, Channel.VISIT.label)]


def _when_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NumberSelect(forms.Select):
    """The numbers, each third party's marked so that the page can remind the agent never to mention the debt."""

    third_party: frozenset = frozenset()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.third_party:
            option["attrs"]["data-third-party"] = "1"
        return option


class AttemptForm(DomainErrorFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    direction = forms.ChoiceField(label=_("Who called"), required=False, initial=Direction.OUTBOUND, choices=[
        (Direction.OUTBOUND, _("We called the cardholder")), (Direction.INBOUND, _("The cardholder called us"))])
    # When the contact happened, not when it is logged: a call at 20:58 logged at 21:01 was within hours.
    occurred_at = BoundedDateTimeField(label=_("When it happened"), required=False,
                                       earliest=lambda: timezone.now() - STAFF_BACKDATE,
                                       latest=lambda: timezone.now() + dt.timedelta(minutes=2),
                                       widget=_when_widget(), input_formats=["%Y-%m-%dT%H:%M"],
                                       help_text=_("Leave empty for now."))
    # The numbers are offered masked; the form carries which one, never the number itself.
    number = forms.ChoiceField(label=_("Number"), required=False, widget=NumberSelect)
    result = forms.ChoiceField(label=_("Outcome"), choices=AttemptResult.choices)
    delinquency_reason = forms.ChoiceField(label=_("Why the account fell behind"), required=False,
                                           choices=[("", "—"), *DelinquencyReason.choices],
                                           help_text=_("Required when you spoke with the cardholder."))
    notes = forms.CharField(label=_("Call notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    third_party = forms.BooleanField(label=_("Spoke to a third party (nothing disclosed)"), required=False)
    # From a day back (a callback just missed) to a year ahead.
    callback_at = BoundedDateTimeField(label=_("Call back at"), required=False,
                                       earliest=lambda: timezone.now() - dt.timedelta(days=1),
                                       latest=lambda: timezone.now() + dt.timedelta(days=366),
                                       widget=_when_widget(), input_formats=["%Y-%m-%dT%H:%M"])
    recording_ref = forms.CharField(label=_("Recording id"), required=False, max_length=200,
                                    help_text=_("The telephony system's id of the call recording."))

    def clean_direction(self):
        return self.cleaned_data["direction"] or Direction.OUTBOUND

    def __init__(self, *args, numbers: list[tuple[str, str]], third_party: frozenset = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [("", "—"), *numbers]
        self.fields["number"].widget.third_party = third_party


class ExceptionForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why the contact may go ahead"), max_length=1000)
    single_use = forms.BooleanField(label=_("For one contact only"), required=False, initial=True)
    hours = forms.IntegerField(label=_("Valid for, hours"), min_value=1, max_value=MAX_EXCEPTION_HOURS, required=False,
                               help_text=_("For one contact, the rest of the day when empty."))
