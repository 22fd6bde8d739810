from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.figures import AgencyFilters
from cases.delinquency import DELINQUENT_BUCKETS, Bucket
from cases.forms import DomainErrorFormMixin
from core.forms import BoundedDateField, CurrencyField, records_window
from staff.models import Agency


class RegionsField(forms.CharField):
    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class AgencyForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("Legal name"), max_length=200)
    licence = forms.CharField(label=_("Licence or registration number"), max_length=100)
    contract_start = forms.DateField(label=_("Contract start"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    contract_end = forms.DateField(label=_("Contract end"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    regions = RegionsField(label=_("Regions served (comma-separated)"), required=False, max_length=500)
    capacity = forms.IntegerField(label=_("Capacity (cases placed at once)"), min_value=1, max_value=1_000_000,
                                  initial=500)
    placement_days = forms.IntegerField(label=_("Default placement days"), min_value=1, max_value=366, initial=90)
    commission_percent = forms.DecimalField(label=_("Base commission (percent)"), min_value=Decimal("0"),
                                            max_value=Decimal("100"), decimal_places=2, initial=Decimal("10"))
    contacts = forms.CharField(label=_("Contacts"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    ends_placement_on_conduct_complaint = forms.BooleanField(
        label=_("A conduct complaint ends the placement"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for bucket in Bucket.values[1:]:
            self.fields[f"rate_{bucket}"] = forms.DecimalField(
                label=_("Commission for %(bucket)s (percent, blank for the base)") % {"bucket": bucket},
                required=False, min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2)

    def bucket_rates(self) -> dict[str, str]:
        return {bucket: str(self.cleaned_data[f"rate_{bucket}"]) for bucket in Bucket.values[1:]
                if self.cleaned_data.get(f"rate_{bucket}") is not None}


class StatusForm(DomainErrorFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Whitelist status"), choices=Agency.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class PlaceForm(DomainErrorFormMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=366, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        from agencies.selectors import agencies_placeable

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies_placeable()


class EndForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why end the placement"), max_length=1000)


class CsvForm(DomainErrorFormMixin, forms.Form):
    file = forms.FileField(label=_("CSV of account numbers (one a line)"))


class TemplateSetForm(DomainErrorFormMixin, forms.Form):
    """A new version of an agency's template set: a JSON file, or the texts typed in the boxes."""

    file = forms.FileField(label=_("JSON file (instead of the boxes below)"), required=False)
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        from agencies.template_sets import CHANNEL_NAMES, CHANNELS, LANGUAGES, MAX_CHARS, field_name
        from staff.models import Language

        super().__init__(*args, **kwargs)
        names = dict(Language.choices)
        for channel in CHANNELS:
            for language in LANGUAGES:
                # Longer than the limit is let through here, so the domain's error says by how much.
                self.fields[field_name(channel, language)] = forms.CharField(
                    label=_("%(channel)s, %(language)s") % {"channel": CHANNEL_NAMES[channel],
                                                            "language": names[language]},
                    required=False, max_length=MAX_CHARS[channel] * 2, strip=True,
                    widget=forms.Textarea(attrs={"rows": 3 if channel == "sms" else 8}))

    def texts(self) -> dict:
        from agencies.template_sets import CHANNELS, LANGUAGES, field_name

        return {channel: {language: self.cleaned_data.get(field_name(channel, language)) or ""
                          for language in LANGUAGES} for channel in CHANNELS}


class WithdrawForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why withdraw it"), max_length=1000)


class FiguresFilterForm(forms.Form):
    """The agencies page's filters. Every one is optional: with none, each agency's whole record."""

    placed_from = BoundedDateField(label=_("Placed from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}), **records_window())
    placed_to = BoundedDateField(label=_("Placed to"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}), **records_window())
    bucket = forms.ChoiceField(label=_("Bucket at placement"), required=False,
                               choices=[("", _("All buckets"))] + [(b, b) for b in DELINQUENT_BUCKETS])
    currency = CurrencyField(label=_("Currency"), required=False)
    status = forms.ChoiceField(label=_("Whitelist status"), required=False,
                               choices=[("", _("Any status"))] + list(Agency.Status.choices))
    # The regions the agencies list, as they spell them: a region matches exactly, so it is chosen, not typed.
    region = forms.ChoiceField(label=_("Serves region"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any region"))] + [(region, region) for region in regions]

    def clean(self):
        data = super().clean()
        start, end = data.get("placed_from"), data.get("placed_to")
        if start and end and start > end:
            self.add_error("placed_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> AgencyFilters:
        d = self.cleaned_data
        return AgencyFilters(placed_from=d.get("placed_from"), placed_to=d.get("placed_to"),
                             bucket=d.get("bucket") or "", currency=d.get("currency") or "",
                             status=d.get("status") or "", region=d.get("region") or "")

    def shown(self) -> list[tuple[str, str]]:
        """The filters set, as (label, value) for the Excel file's first sheet."""
        shown = []
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField):  # the choice's name in the reader's language, not its code
                value = dict(field.choices).get(value, value)
            shown.append((str(field.label), str(value)))
        return shown
