from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from complaints.models import Category, Channel


class ConfirmNoteForm(DomainErrorFormMixin, forms.Form):
    """Confirming the amounts as reported, or asking the core system to check the account: both say why."""

    note = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DisputeForm(DomainErrorFormMixin, forms.Form):
    """The cardholder disputes the debt: registered in the complaints register, which holds the case."""

    channel = forms.ChoiceField(label=_("Received through"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.AMOUNT)
    description = forms.CharField(label=_("What the cardholder says"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
