from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from complaints.models import Category, Channel, Kind


class ComplaintForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    channel = forms.ChoiceField(label=_("Received through"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(label=_("What the cardholder says"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(DomainErrorFormMixin, forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
