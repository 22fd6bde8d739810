from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from complaints.models import Category, Channel, Kind, Status


class ComplaintForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    channel = forms.ChoiceField(label=_("Received through"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(label=_("What the cardholder says"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(DomainErrorFormMixin, forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Open and resolved")), *Status.choices])
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("A case or entry number, or words from the description, the resolution or a name."))
