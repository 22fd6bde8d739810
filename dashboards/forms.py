import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.forms.fields import InvalidJSONInput
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.delinquency import DELINQUENT_BUCKETS
from cases.forms import DomainErrorFormMixin
from cases.lifecycle import Stage
from core.forms import BoundedDateField, CurrencyField, records_window
from dashboards.filters import DashboardFilters, teams_in_scope
from staff.permissions import Capability, roles_with
from staff.selectors import agents_of_teams

MAX_RANGE_DAYS = 400


def _agents(teams):
    return get_user_model().objects.filter(profile__team__in=teams,
                                           profile__role__in=roles_with(Capability.HOLD_CASES)).order_by("username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_username()


class AssigneeChoiceField(forms.ModelChoiceField):
    """An agent to hand cases to, labelled with their team so the choice matches the team above it."""

    def label_from_instance(self, obj):
        return f"{obj.get_username()} · {obj.profile.team.name}"


class FilterForm(forms.Form):
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                             **records_window())
    end = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           **records_window())
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("All teams"))
    agent = AgentChoiceField(label=_("Agent"), queryset=None, required=False, empty_label=_("All agents"))
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    product = forms.CharField(label=_("Product"), required=False, max_length=100)
    currency = CurrencyField(label=_("Currency"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_in_scope(user=user)
        self.fields["team"].queryset = teams
        self.fields["agent"].queryset = _agents(teams)

    def clean_currency(self):
        return self.cleaned_data.get("currency") or settings.COLLECTIONS_DEFAULT_CURRENCY

    def clean(self):
        data = super().clean()
        default = DashboardFilters.default()
        start, end = data.get("start") or default.start, data.get("end") or default.end
        if start > end:
            self.add_error("end", _("The end date must not be before the start date."))
        elif (end - start).days > MAX_RANGE_DAYS:
            self.add_error("start", _("Choose at most %(days)s days.") % {"days": MAX_RANGE_DAYS})
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> DashboardFilters:
        d = self.cleaned_data
        return DashboardFilters(start=d["start"], end=d["end"], currency=d["currency"],
                                team_id=d["team"].pk if d.get("team") else None,
                                agent_id=d["agent"].pk if d.get("agent") else None,
                                region=d.get("region", "").strip(), product=d.get("product", "").strip())


class ReassignForm(DomainErrorFormMixin, forms.Form):
    case_id = forms.IntegerField(label=_("One case (number)"), required=False, min_value=1)
    from_team = forms.ModelChoiceField(label=_("Cases of team"), queryset=None, required=False,
                                       empty_label=_("Any team"))
    from_agent = AgentChoiceField(label=_("Cases of agent"), queryset=None, required=False,
                                  empty_label=_("Any agent"))
    stage = forms.ChoiceField(label=_("In stage"), required=False,
                              choices=[("", _("Any"))] + [c for c in Stage.choices if c[0] != Stage.CLOSED])
    bucket = forms.ChoiceField(label=_("In bucket"), required=False,
                               choices=[("", _("Any"))] + [(b, b) for b in DELINQUENT_BUCKETS])
    to_team = forms.ModelChoiceField(label=_("Give to team"), queryset=None)
    to_agent = AssigneeChoiceField(label=_("and agent"), queryset=None, required=False, empty_label=_("Nobody yet"))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_in_scope(user=user)
        for name in ("from_team", "to_team"):
            self.fields[name].queryset = teams
        self.fields["from_agent"].queryset = _agents(teams)
        # Only someone who will work the cases: an active collections agent of a team in scope.
        self.fields["to_agent"].queryset = agents_of_teams(teams=teams)

    def clean(self):
        data = super().clean()
        agent, team = data.get("to_agent"), data.get("to_team")
        if agent is not None and team is not None and agent.profile.team_id != team.pk:
            self.add_error("to_agent", _("%(agent)s is not in %(team)s: choose one of its agents, or nobody yet.")
                           % {"agent": agent.get_username(), "team": team.name})
        if not data.get("case_id") and not any(data.get(k) for k in ("from_team", "from_agent", "stage", "bucket")):
            self.add_error("case_id", _("Give a case number, or at least one filter for a bulk reassignment."))
        return data


class CapacityForm(DomainErrorFormMixin, forms.Form):
    """A team's settings on the teams page: its capacity, and whether new cases go to its agents by load."""

    capacity = forms.IntegerField(label=_("Capacity (open cases)"), required=False, min_value=0)
    # What it means is said once, above the teams (templates/dashboards/teams.html).
    assigns_by_load = forms.BooleanField(label=_("Assign new cases by load"), required=False)


class ReviewDecisionForm(DomainErrorFormMixin, forms.Form):
    # No decision is chosen for the supervisor: referring a case to court must be a deliberate choice.
    decision = forms.ChoiceField(label=_("Decision"), choices=[("", _("Choose…")), ("accept", _("Refer to legal")),
                                                                ("decline", _("Keep in collections"))])
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class DraftJSONField(forms.JSONField):
    """Shows the draft exactly as the supervisor typed it (order, spacing, line breaks), never re-serialised.

    Validation still parses it; only what is shown in the textarea is the text as typed.
    """

    def bound_data(self, data, initial):
        if isinstance(data, str) and not self.disabled:
            return InvalidJSONInput(data)
        return super().bound_data(data, initial)

    @staticmethod
    def as_typed(text: str) -> InvalidJSONInput:
        """Text to show as the field's initial value as it stands."""
        return InvalidJSONInput(text)


class PolicyDraftForm(DomainErrorFormMixin, forms.Form):
    definition = DraftJSONField(
        label=_("Policy rules (tiers and actions)"), widget=forms.Textarea(attrs={"rows": 24, "class": "code"}),
        help_text=_('"large_amount_threshold" is in "currency"; "large_amount_thresholds" gives it in other '
                    'currencies, for example {"USD": "7000.00"}. A case in a currency given no threshold is never '
                    "treated as large."))
    definition.help_text = format_lazy(
        "{} {}", definition.help_text,
        _('An action whose channel is "place_with_agency" places the case with an outside agency instead of '
          'contacting it; it may name "regions", "buckets" (M1 to M7+), and "min_amount" and "max_amount" (in '
          '"currency"), and then takes only the cases that meet them.'))
    note = forms.CharField(label=_("What changed"), max_length=1000, required=False)

    def clean_definition(self):
        value = self.cleaned_data["definition"]
        if not isinstance(value, dict) or not isinstance(value.get("tiers"), list):
            raise forms.ValidationError(_("The rules must be an object with a list of tiers."))
        return value


def tomorrow_morning() -> dt.datetime:
    """When tomorrow's first pass runs for the preview: 09:00 tomorrow in the portal's zone."""
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=9, minute=0, second=0, microsecond=0)
