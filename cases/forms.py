from django import forms
from django.utils.translation import gettext_lazy as _

from cases.delinquency import DELINQUENT_BUCKETS
from cases.lifecycle import REGISTER_HOLD_KINDS, HardshipCause, HoldKind, Stage
from cases.models import PREFERENCE_CHANNELS, ContactPointKind, ContactPointSource, PreferenceKind, PreferenceSource
from cases.personal_data import REVEALABLE
from cases.search import SearchBy
from core.errors import DomainError
from staff.models import Language


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
    """One form for every hold placed on the case page. Hardship and breathing space become a request for
    a supervisor's approval; the service decides which evidence and end date each kind needs."""

    # Disputes and complaints go through the complaints register, which holds the case itself.
    kind = forms.ChoiceField(label=_("Hold"),
                             choices=[(k, label) for k, label in HoldKind.choices if k not in REGISTER_HOLD_KINDS])
    cause = forms.ChoiceField(label=_("Cause of the hardship"), required=False,
                              choices=[("", _("Not a hardship"))] + HardshipCause.choices)
    until = forms.DateField(label=_("Until (last day of the hold)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Required for hardship and breathing space; none for deceased or bankruptcy."))
    evidence_file = forms.FileField(label=_("Evidence (PDF, PNG or JPEG)"), required=False)
    evidence_reference = forms.CharField(label=_("or the evidence's reference"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class HoldDecisionForm(DomainErrorFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.HiddenInput)
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note (required to refuse)"), max_length=1000, required=False)


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


class PreferenceForm(DomainErrorFormMixin, forms.Form):
    """One statement of the cardholder's preferences, as staff hear it (by phone) or read it (a letter).
    The service checks which of the fields the chosen kind needs."""

    kind = forms.ChoiceField(label=_("The cardholder asks about"), choices=PreferenceKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Not a channel opt-out"))] + list(PREFERENCE_CHANNELS))
    number = forms.CharField(label=_("Number not to call"), max_length=32, required=False)
    answer = forms.ChoiceField(label=_("Answer"), initial="yes", choices=[
        ("yes", _("Yes: opts out, or gives consent")), ("no", _("No: opts back in, or withdraws consent"))])
    window_from = forms.TimeField(label=_("Preferred from"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}))
    window_until = forms.TimeField(label=_("Preferred until"), required=False,
                                   widget=forms.TimeInput(attrs={"type": "time"}),
                                   help_text=_("In the cardholder's time zone; leave both empty to clear the window."))
    language = forms.ChoiceField(label=_("Preferred language"), required=False, choices=[("", "—")] + Language.choices)
    source = forms.ChoiceField(label=_("Stated"), choices=[
        (PreferenceSource.CARDHOLDER_PHONE, PreferenceSource.CARDHOLDER_PHONE.label),
        (PreferenceSource.LETTER, PreferenceSource.LETTER.label)])

    def statement(self) -> dict:
        """The cleaned form as `preference_state` takes it: target and value for the chosen kind."""
        data = self.cleaned_data
        kind, yes = data["kind"], data["answer"] == "yes"
        target = data["channel"] if kind == PreferenceKind.OPT_OUT_CHANNEL else (
            data["number"] if kind == PreferenceKind.OPT_OUT_NUMBER else "")
        if kind == PreferenceKind.WINDOW:
            value = {"from": data["window_from"], "until": data["window_until"]}
        elif kind == PreferenceKind.LANGUAGE:
            value = {"language": data["language"]}
        elif kind in (PreferenceKind.CONSENT_EMAIL, PreferenceKind.CONSENT_SMS):
            value = {"consent": yes}
        else:
            value = {"opted_out": yes}
        return {"kind": kind, "target": target, "value": value, "source": data["source"]}
class ContactPointForm(DomainErrorFormMixin, forms.Form):
    """A contact point staff learned of, with where it came from."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPointKind.choices)
    relationship = forms.CharField(label=_("Relationship to the cardholder"), max_length=60, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=[
        (ContactPointSource.CARDHOLDER, _("The cardholder")), (ContactPointSource.STAFF, _("Staff research"))])
    source_note = forms.CharField(label=_("Where it came from"), max_length=200,
                                  help_text=_("For example: the cardholder said on the call; skip-tracing."))


class WrongNumberForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is wrong"), max_length=1000)
