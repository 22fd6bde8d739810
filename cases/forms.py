from django import forms
from django.utils.translation import gettext_lazy as _

from cases.delinquency import DELINQUENT_BUCKETS
from cases.lifecycle import REGISTER_HOLD_KINDS, HoldKind, Stage
from cases.personal_data import REVEALABLE
from cases.search import SearchBy
from core.errors import DomainError


class DomainErrorFormMixin:
    def add_domain_error(self, exc: DomainError) -> None:
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any"))] + Stage.choices)
    bucket = forms.ChoiceField(label=_("Bucket"), required=False,
                               choices=[("", _("Any"))] + [(b, b) for b in DELINQUENT_BUCKETS])


class QueueFilterForm(CaseFilterForm):
    due = forms.BooleanField(label=_("Due today or overdue"), required=False)


class NoteForm(DomainErrorFormMixin, forms.Form):
    body = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class HoldForm(DomainErrorFormMixin, forms.Form):
    # Disputes and complaints go through the complaints register, which holds the case itself.
    kind = forms.ChoiceField(label=_("Hold"),
                             choices=[(k, label) for k, label in HoldKind.choices if k not in REGISTER_HOLD_KINDS])
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class HoldReleaseForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why release it"), max_length=1000)


class RevealForm(DomainErrorFormMixin, forms.Form):
    field = forms.ChoiceField(choices=[(name, label) for name, (label, _read) in REVEALABLE.items()],
                              widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for viewing"), max_length=500)


class CaseSearchForm(DomainErrorFormMixin, forms.Form):
    by = forms.ChoiceField(label=_("Search by"), choices=SearchBy.choices)
    # Personal data: sent by POST, never in an address, and not offered to the browser's autofill history.
    query = forms.CharField(label=_("Search for"), max_length=200,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
