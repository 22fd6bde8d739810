from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.forms import DomainErrorFormMixin
from litigation.models import CounselKind, MilestoneKind
from litigation.services import MAX_DOCUMENTS
from visits.forms import MultipleFileField

MONEY = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2}
DATE = forms.DateInput(attrs={"type": "date"})
PROGRESS_CHOICES = [(kind, MilestoneKind(kind).label) for kind in (
    MilestoneKind.FILED, MilestoneKind.HEARING, MilestoneKind.JUDGMENT, MilestoneKind.ENFORCEMENT_APPLIED,
    MilestoneKind.ENFORCEMENT_RECOVERED)]


def _documents():
    return MultipleFileField(label=_("Documents (JPEG, PNG, PDF)"), required=False)


class DocumentsHelpMixin:
    """Says how many documents a form takes, in the reader's language (read when the form is built)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = gettext("Up to %(count)s files.") % {"count": MAX_DOCUMENTS}


# Each form of the record's page has its prefix: they share field names (a date, documents) on one page.
class RecordForm(DomainErrorFormMixin, forms.Form):
    prefix = "record"
    counsel_kind = forms.ChoiceField(label=_("Counsel"), choices=CounselKind.choices)
    counsel_name = forms.CharField(label=_("Law firm or counsel's name"), max_length=200, required=False)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    court_case_number = forms.CharField(label=_("Court's case number"), max_length=100, required=False)
    claim_amount = forms.DecimalField(label=_("Claim amount"), required=False, **MONEY)
    costs_incurred = forms.DecimalField(label=_("Costs incurred"), required=False, initial=Decimal("0"), **MONEY)


class MilestoneForm(DocumentsHelpMixin, DomainErrorFormMixin, forms.Form):
    prefix = "milestone"
    kind = forms.ChoiceField(label=_("Milestone"), choices=PROGRESS_CHOICES)
    on = forms.DateField(label=_("Date"), widget=DATE,
                         help_text=_("A hearing may be dated ahead: it is then the next hearing."))
    amount = forms.DecimalField(label=_("Amount"), required=False,
                                help_text=_("For a judgment or an amount recovered through enforcement."), **MONEY)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = _documents()


class LetterForm(DomainErrorFormMixin, forms.Form):
    prefix = "letter"
    text = forms.CharField(label=_("Letter"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Sent by post under the bank's letterhead and the cardholder's address."))


class EndingForm(DocumentsHelpMixin, DomainErrorFormMixin, forms.Form):
    """How litigation ends: settled in court, judgment paid, found uncollectable, or withdrawn."""

    prefix = "ending"

    SETTLED, PAID, UNCOLLECTABLE, WITHDRAWN = "settled_in_court", "judgment_paid", "uncollectable", "withdrawn"
    way = forms.ChoiceField(label=_("Way out"), widget=forms.RadioSelect, choices=[
        (SETTLED, _("Settled in court: the case goes to negotiate for the settlement's plan")),
        (PAID, _("Judgment paid: the case closes as settled")),
        (UNCOLLECTABLE, _("Uncollectable: record it and propose a write-off")),
        (WITHDRAWN, _("Withdrawn: the case goes back to contact")),
    ])
    on = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Needed when litigation is withdrawn or found uncollectable."))
    documents = _documents()
