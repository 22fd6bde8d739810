import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from contacts.models import AttemptResult, Channel
from core.forms import BoundedDateTimeField

STAFF_CHANNELS = [(Channel.CALL, Channel.CALL.label), (Channel.VISIT, Channel.VISIT.label)]


class AttemptForm(DomainErrorFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    # The numbers are offered masked; the form carries which one, never the number itself.
    number = forms.ChoiceField(label=_("Number"), required=False)
    result = forms.ChoiceField(label=_("Outcome"), choices=AttemptResult.choices)
    notes = forms.CharField(label=_("Call notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    third_party = forms.BooleanField(label=_("Spoke to a third party (nothing disclosed)"), required=False)
    # From a day back (a callback just missed) to a year ahead.
    callback_at = BoundedDateTimeField(label=_("Call back at"), required=False,
                                       earliest=lambda: timezone.now() - dt.timedelta(days=1),
                                       latest=lambda: timezone.now() + dt.timedelta(days=366),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       input_formats=["%Y-%m-%dT%H:%M"])
    override_reason = forms.CharField(label=_("Override the contact rules because"), required=False,
                                      max_length=1000)

    def __init__(self, *args, numbers: list[tuple[str, str]], may_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [("", "—"), *numbers]
        if not may_override:
            del self.fields["override_reason"]
