"""A cardholder's contact preferences: statements in, current preferences out.

Every statement is kept (`ContactPreferenceStatement`); per kind and target the most recent one wins,
whatever its source, so a newer core-system snapshot can change a language the cardholder stated
earlier. The governor reads `customers_preferences` for many cardholders in one query; it lives here,
with the cardholder, so that the contact rules above can read it.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import (
    PREFERENCE_CHANNELS,
    ContactPointKind,
    ContactPreferenceStatement,
    Customer,
    PreferenceKind,
    PreferenceSource,
)
from core.actors import actor_fields
from core.crypto import pii_hash
from core.errors import DomainError
from staff.models import Language

CHANNELS = frozenset(code for code, _label in PREFERENCE_CHANNELS)
# Kinds whose value is one yes or no, under this key.
_FLAG_KEYS = {PreferenceKind.OPT_OUT_CHANNEL: "opted_out", PreferenceKind.OPT_OUT_NUMBER: "opted_out",
              PreferenceKind.OPT_OUT_WORK_CALLS: "opted_out", PreferenceKind.CONSENT_EMAIL: "consent",
              PreferenceKind.CONSENT_SMS: "consent"}


@dataclass(frozen=True)
class Stated:
    """Where a current preference comes from: its source and when it was stated."""

    source: str
    stated_at: dt.datetime

    def as_figures(self) -> dict:
        return {"source": self.source, "stated_at": self.stated_at.isoformat()}


@dataclass
class Preferences:
    """A cardholder's current preferences. `None` means never stated."""

    opted_out_channels: dict[str, Stated] = field(default_factory=dict)
    opted_out_numbers: dict[str, Stated] = field(default_factory=dict)  # by the number's keyed hash
    work_calls: Stated | None = None  # set when the cardholder refused calls at work
    work_number_hashes: frozenset[str] = frozenset()  # their work numbers, read when work calls are refused
    window: tuple[dt.time, dt.time] | None = None
    window_stated: Stated | None = None
    language: str | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_stated: dict[str, Stated] = field(default_factory=dict)

    def refusal(self, *, channel: str, number_hash: str = "") -> tuple[str, str, Stated] | None:
        """(preference kind, target, where it comes from) of the preference that refuses this contact,
        or None."""
        if channel in self.opted_out_channels:
            return PreferenceKind.OPT_OUT_CHANNEL, channel, self.opted_out_channels[channel]
        for consent_channel, given in (("email", self.consent_email), ("sms", self.consent_sms)):
            if channel == consent_channel and given is False:
                kind = PreferenceKind.CONSENT_EMAIL if channel == "email" else PreferenceKind.CONSENT_SMS
                return kind, channel, self.consent_stated[channel]
        if channel == "call" and number_hash:
            if number_hash in self.opted_out_numbers:
                return PreferenceKind.OPT_OUT_NUMBER, "", self.opted_out_numbers[number_hash]
            if self.work_calls and number_hash in self.work_number_hashes:
                return PreferenceKind.OPT_OUT_WORK_CALLS, "", self.work_calls
        return None

    def __bool__(self) -> bool:
        return bool(self.opted_out_channels or self.opted_out_numbers or self.work_calls or self.window
                    or self.consent_email is False or self.consent_sms is False)


def _parse_time(value) -> dt.time:
    return dt.time.fromisoformat(str(value))


def customers_preferences(*, customer_ids) -> dict[int, Preferences]:
    """The current preferences of many cardholders, in one query (two when some refuse calls at work).

    Cardholders who never stated anything are absent.
    """
    ids = sorted(set(customer_ids) - {None})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT ON (customer_id, kind, target) customer_id, kind, target, value, source, "
                       "stated_at FROM cases_contactpreferencestatement WHERE customer_id = ANY(%s) "
                       "ORDER BY customer_id, kind, target, stated_at DESC, id DESC", [ids])
        rows = cursor.fetchall()
    found: dict[int, Preferences] = {}
    for customer_id, kind, target, value, source, stated_at in rows:
        prefs = found.setdefault(customer_id, Preferences())
        stated = Stated(source, stated_at)
        # Django reads jsonb as text on a plain cursor.
        value = (json.loads(value) if isinstance(value, str) else value) or {}
        if kind in (PreferenceKind.OPT_OUT_CHANNEL, PreferenceKind.OPT_OUT_NUMBER) and value.get("opted_out"):
            (prefs.opted_out_channels if kind == PreferenceKind.OPT_OUT_CHANNEL
             else prefs.opted_out_numbers)[target] = stated
        elif kind == PreferenceKind.OPT_OUT_WORK_CALLS and value.get("opted_out"):
            prefs.work_calls = stated
        elif kind == PreferenceKind.WINDOW and value.get("from") and value.get("until"):
            prefs.window, prefs.window_stated = (_parse_time(value["from"]), _parse_time(value["until"])), stated
        elif kind == PreferenceKind.LANGUAGE:
            prefs.language = value.get("language") or None
        elif kind in (PreferenceKind.CONSENT_EMAIL, PreferenceKind.CONSENT_SMS):
            channel = "email" if kind == PreferenceKind.CONSENT_EMAIL else "sms"
            setattr(prefs, f"consent_{channel}", bool(value.get("consent")))
            prefs.consent_stated[channel] = stated
    refusing_work = [pk for pk, prefs in found.items() if prefs.work_calls]
    if refusing_work:
        work: dict[int, set[str]] = {}
        with connection.cursor() as cursor:
            cursor.execute("SELECT customer_id, phone_hash FROM cases_contactpoint WHERE customer_id = ANY(%s) "
                           "AND kind IN (%s, %s) AND phone_hash <> '' AND retired_at IS NULL",
                           [refusing_work, ContactPointKind.WORK, ContactPointKind.EMPLOYER])
            for customer_id, phone_hash in cursor.fetchall():
                work.setdefault(customer_id, set()).add(phone_hash)
        for pk in refusing_work:
            found[pk].work_number_hashes = frozenset(work.get(pk, ()))
    return found


def customer_preferences(*, customer: Customer) -> Preferences:
    return customers_preferences(customer_ids=[customer.pk]).get(customer.pk, Preferences())


def customer_preference_history(*, customer: Customer, limit: int = 50):
    return ContactPreferenceStatement.objects.filter(customer=customer).order_by("-stated_at", "-id")[:limit]


def _checked_value(kind: str, target: str, value: dict) -> tuple[str, dict]:
    """The statement's target and value as stored, or a DomainError naming the field."""
    if kind not in PreferenceKind.values:
        raise DomainError(_("Choose what the cardholder asked for."), field="kind")
    if kind == PreferenceKind.OPT_OUT_CHANNEL and target not in CHANNELS:
        raise DomainError(_("Choose the channel."), field="channel")
    if kind == PreferenceKind.OPT_OUT_NUMBER:
        if not target:
            raise DomainError(_("Give the number."), field="number")
        target = pii_hash(target)
    if kind not in (PreferenceKind.OPT_OUT_CHANNEL, PreferenceKind.OPT_OUT_NUMBER):
        target = ""
    if kind in _FLAG_KEYS:
        key = _FLAG_KEYS[kind]
        return target, {key: bool(value.get(key))}
    if kind == PreferenceKind.LANGUAGE:
        if value.get("language") not in Language.values:
            raise DomainError(_("Choose a language."), field="language")
        return target, {"language": value["language"]}
    start, end = value.get("from"), value.get("until")
    if not start and not end:
        return target, {}  # the window is cleared
    try:
        start, end = _parse_time(start), _parse_time(end)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Give the window as two times, HH:MM."), field="window_from") from exc
    if start >= end:
        raise DomainError(_("The window must end after it starts."), field="window_until")
    return target, {"from": start.strftime("%H:%M"), "until": end.strftime("%H:%M")}


@transaction.atomic
def preference_state(
    *, customer: Customer, kind: str, source: str, actor, target: str = "", value: dict | None = None,
    stated_at: dt.datetime | None = None, case_id: int | None = None, ip_address: str | None = None,
) -> ContactPreferenceStatement:
    """Record one statement of the cardholder's preferences; the most recent statement wins.

    A language that becomes current is copied to the cardholder, whose messages are written in it. The
    insert marks the cardholder's open cases for the escalation pass (a trigger, escalation 0008).
    Audited, with the number of a number opt-out kept only as its hash.
    """
    if source not in PreferenceSource.values:
        raise DomainError(_("Choose where the preference comes from."), field="source")
    target, stored = _checked_value(kind, target, value or {})
    stated_at = stated_at or timezone.now()
    if stated_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("A preference cannot be stated in the future."), field="stated_at")
    who = actor_fields(actor)
    statement = ContactPreferenceStatement.objects.create(
        customer=customer, kind=kind, target=target, value=stored, source=source, stated_at=stated_at,
        recorded_by=who["actor"], recorded_by_label=who["actor_label"])
    if kind == PreferenceKind.LANGUAGE:
        current = customer_preferences(customer=customer).language
        if current and current != customer.language:
            Customer.objects.filter(pk=customer.pk).update(language=current, updated_at=timezone.now())
            customer.language = current
    audit_log(actor=actor, action="preference.stated", obj=statement, case_id=case_id, ip_address=ip_address,
              changes={"kind": kind, "target": target if kind == PreferenceKind.OPT_OUT_CHANNEL else "",
                       "value": stored, "source": source, "stated_at": stated_at.isoformat()})
    return statement


def preferences_from_core(*, customer_ids: dict[str, int], snapshots: dict[str, tuple[dict, dt.datetime]],
                          actor) -> int:
    """Record the preferences core-system snapshots carry, stated at each snapshot's `as_of`.

    The core system sends its whole view every day; only a value that differs from the core system's own
    last statement of that kind is a new statement, so a daily snapshot does not overrule, every morning,
    what the cardholder said since. Returns how many statements were recorded.
    """
    recorded = 0
    for external_id, (preferences, as_of) in sorted(snapshots.items()):
        customer = Customer.objects.get(pk=customer_ids[external_id])
        for kind, target, value in _core_statements(preferences):
            target_key = pii_hash(target) if kind == PreferenceKind.OPT_OUT_NUMBER else target
            last = (ContactPreferenceStatement.objects.filter(customer=customer, kind=kind, target=target_key,
                                                              source=PreferenceSource.CORE)
                    .order_by("-stated_at", "-id").first())
            if last is not None and (last.stated_at >= as_of or last.value == _checked_value(kind, target, value)[1]):
                continue
            preference_state(customer=customer, kind=kind, source=PreferenceSource.CORE, actor=actor,
                             target=target, value=value, stated_at=as_of)
            recorded += 1
    return recorded


def _core_statements(preferences: dict):
    """The snapshot's `preferences` object as (kind, target, value) statements."""
    for channel in preferences.get("opt_out_channels") or {}:
        yield PreferenceKind.OPT_OUT_CHANNEL, channel, {"opted_out": bool(preferences["opt_out_channels"][channel])}
    for number in preferences.get("opt_out_numbers") or []:
        yield PreferenceKind.OPT_OUT_NUMBER, number, {"opted_out": True}
    if preferences.get("opt_out_work_calls") is not None:
        yield PreferenceKind.OPT_OUT_WORK_CALLS, "", {"opted_out": bool(preferences["opt_out_work_calls"])}
    if "window" in preferences:
        yield PreferenceKind.WINDOW, "", dict(preferences["window"] or {})
    if preferences.get("language"):
        yield PreferenceKind.LANGUAGE, "", {"language": preferences["language"]}
    for channel in ("email", "sms"):
        if preferences.get(f"consent_{channel}") is not None:
            yield f"consent_{channel}", "", {"consent": bool(preferences[f"consent_{channel}"])}
