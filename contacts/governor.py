"""The contact governor: the one place that decides whether a contact may happen now, and if not, when.

Every contact passes through here, whether the escalation pass schedules it, a sender is about to
deliver it or a member of staff is about to call. `governor_check` answers for one case;
`governor_facts` + `governor_evaluate` answer for many at once with a few queries (the pass uses them).
The rules and their numbers come from a `JurisdictionProfile` (CN by default, US for Regulation F).

A verdict lists the rules passed and failed and the next permitted time. A failed rule with no next
time (a hold, a pause, the third-party rule) means the contact is held until something changes.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from cases.contact_points import Standing, number_standing
from cases.lifecycle import HoldKind, Stage
from cases.models import Case, PreferenceKind, PreferenceSource
from cases.preferences import Preferences, customers_preferences
from contacts.models import (
    CONVERSATION_RESULTS,
    FAILED_RESULTS,
    AttemptResult,
    Channel,
    Direction,
    JurisdictionProfile,
    LimitScope,
)
from core.bulk import pg_array
from core.crypto import pii_hash
from events.models import EventType

# What pauses collection contact by agreement (a promise pending, a plan agreed): {case id: kind}. The
# negotiation capability, which sits above this module, registers its reader from its AppConfig.ready().
_AGREEMENT_PAUSES: dict[str, Callable[[list[int]], dict[int, str]]] = {}


def agreement_pause_register(name: str, reader) -> None:
    """Register `reader(case_ids) -> {case id: kind}` for the cases whose contact an agreement pauses."""
    _AGREEMENT_PAUSES[name] = reader


def _paused_by_agreement(ids: list[int]) -> dict[int, str]:
    paused: dict[int, str] = {}
    for reader in _AGREEMENT_PAUSES.values():
        paused.update(reader(ids))
    return paused


# Channels that reach a person at a moment and so respect contact hours. Letters are printed and posted.
TIMED_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL, Channel.CALL, Channel.VISIT})
# Contacts a plan in good standing or a promise not yet due stops; only instalment reminders remain.
PAUSED_BY_PLAN = frozenset({Channel.CALL, Channel.VISIT, Channel.EMAIL, Channel.LETTER, Channel.SMS})
# Channels that reach a phone number: only numbers on file may be used.
NUMBER_CHANNELS = frozenset({Channel.CALL, Channel.SMS})
PURPOSE_COLLECTION = "collection"
PURPOSE_INSTALMENT_REMINDER = "instalment_reminder"
PURPOSE_LOCATE = "locate"  # a third party, only to find the cardholder
PURPOSE_ESTATE = "estate"  # the letter to a deceased cardholder's estate: not to the cardholder
PURPOSE_LEGAL = "legal"  # a letter the legal officer sends while the case is in litigation
LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class AttemptFact:
    at: dt.datetime
    channel: str
    result: str
    number_hash: str = ""
    third_party: bool = False
    callback_requested: bool = False
    direction: str = Direction.OUTBOUND
    case_id: int | None = None

    @property
    def outbound(self) -> bool:
        return self.direction == Direction.OUTBOUND


@dataclass
class CaseFacts:
    """What the rules need to know about one case, loaded in bulk by `governor_facts`.

    `attempts` are the cardholder's, across all their cases (each names its case), so that a limit can
    count per cardholder or per case as the profile says. `number_attempts` are the attempts on the
    number being checked, whoever they reached; loaded only when a number is named.
    """

    case_id: int
    timezone: str
    stage: str
    holds: tuple[str, ...] = ()
    attempts: list[AttemptFact] = field(default_factory=list)  # oldest first, within LOOKBACK_DAYS
    broken_promises: list[dt.datetime] = field(default_factory=list)
    paused_by: str = ""  # "plan" or "promise" when an agreement in force pauses collection
    customer_id: int | None = None
    number_attempts: list[AttemptFact] = field(default_factory=list)
    preferences: Preferences | None = None  # the cardholder's, when they stated any
    # What the named number is to the cardholder (cases.contact_points.Standing); "" when none is named.
    number_standing: str = ""


@dataclass
class Verdict:
    allowed: bool
    passed: list[str]
    failed: list[dict]
    next_permitted_at: dt.datetime | None
    profile: str
    checked_at: dt.datetime
    timezone: str = "UTC"  # the cardholder's, in which people read next_permitted_at
    # Rules passed with a caution: a staff call outside the preferred window where the profile lets it.
    warnings: list[dict] = field(default_factory=list)

    def as_trail(self) -> dict:
        trail = {
            "at": self.checked_at.isoformat(), "profile": self.profile, "allowed": self.allowed,
            "passed": self.passed, "failed": self.failed,
            "next_permitted_at": self.next_permitted_at.isoformat() if self.next_permitted_at else None,
        }
        if self.warnings:
            trail["warnings"] = self.warnings
        return trail


# --- profiles ---------------------------------------------------------------------------------------------

def governor_profiles() -> list[JurisdictionProfile]:
    return list(JurisdictionProfile.objects.order_by("-is_default", "code"))


def governor_profile_for(*, tz_name: str, profiles: list[JurisdictionProfile]) -> JurisdictionProfile:
    """The profile whose time-zone prefixes match the cardholder's zone, else the default one."""
    default = None
    for profile in profiles:
        if any(tz_name.startswith(prefix) for prefix in profile.timezone_prefixes):
            return profile
        if profile.is_default:
            default = profile
    if default is None:
        raise JurisdictionProfile.DoesNotExist("No default jurisdiction profile is configured.")
    return default


# --- facts ------------------------------------------------------------------------------------------------

_ATTEMPT_COLUMNS = ("occurred_at, channel, result, number_hash, third_party, callback_requested, direction, "
                    "case_id")


def _fact_rows(ids: list[int], since, at, as_recorded: bool):
    """The reads, with the ids as one array parameter: thousands of cases cost little more than one.

    Holds are those in force now, or, `as_recorded`, those in force at `at`: a contact logged after it
    happened is judged against what was recorded at that moment. Attempts are read per cardholder,
    across all their cases.
    """
    keys = pg_array(ids)  # as PostgreSQL's text form: no Python work or SQL text per id
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.id, a.customer_id, cu.timezone, c.stage FROM cases_case c "
                       "JOIN cases_account a ON a.id = c.account_id "
                       "JOIN cases_customer cu ON cu.id = a.customer_id WHERE c.id = ANY(%s::bigint[])", [keys])
        cases = cursor.fetchall()
        if as_recorded:
            cursor.execute("SELECT case_id, kind FROM cases_casehold WHERE case_id = ANY(%s::bigint[]) "
                           "AND placed_at <= %s AND (released_at IS NULL OR released_at > %s) ORDER BY case_id, kind",
                           [keys, at, at])
        else:
            cursor.execute("SELECT case_id, kind FROM cases_casehold WHERE case_id = ANY(%s::bigint[]) "
                           "AND released_at IS NULL ORDER BY case_id, kind", [keys])
        holds = cursor.fetchall()
        customers = sorted({customer for _pk, customer, _zone, _stage in cases})
        cursor.execute(f"SELECT customer_id, {_ATTEMPT_COLUMNS} FROM contacts_contactattempt "  # noqa: S608
                       "WHERE customer_id = ANY(%s::bigint[]) AND occurred_at > %s AND occurred_at <= %s "
                       "ORDER BY occurred_at, id", [pg_array(customers), since, at])
        attempts = cursor.fetchall()
        cursor.execute("SELECT case_id, occurred_at FROM events_event WHERE case_id = ANY(%s::bigint[]) AND type = %s "
                       "AND occurred_at > %s AND occurred_at <= %s", [keys, EventType.PROMISE_BROKEN, since, at])
        broken = cursor.fetchall()
    return cases, holds, attempts, broken


def governor_hold_spans(*, case_ids, start: dt.datetime, end: dt.datetime) -> dict[int, list[tuple]]:
    """The holds of many cases in force at some moment between `start` and `end`: {case id: [(kind, placed
    at, released at or None)]}, for judging contacts that happened at different moments (`holds_at`)."""
    spans: dict[int, list[tuple]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, kind, placed_at, released_at FROM cases_casehold "
                       "WHERE case_id = ANY(%s::bigint[]) AND placed_at <= %s "
                       "AND (released_at IS NULL OR released_at > %s) ORDER BY case_id, kind",
                       [pg_array(case_ids), end, start])
        for case_id, *span in cursor.fetchall():
            spans.setdefault(case_id, []).append(tuple(span))
    return spans


def holds_at(spans: list[tuple], at: dt.datetime) -> tuple[str, ...]:
    """The kinds of the holds in force at `at`, as `governor_facts(as_recorded=True)` reads them."""
    return tuple(kind for kind, placed_at, released_at in spans
                 if placed_at <= at and (released_at is None or released_at > at))


def governor_number_attempts(number_hashes, *, since: dt.datetime, at: dt.datetime) -> dict[str, list[AttemptFact]]:
    """Every attempt on each of many numbers since `since`, whoever it reached, in one query."""
    found: dict[str, list[AttemptFact]] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_ATTEMPT_COLUMNS} FROM contacts_contactattempt "  # noqa: S608
                       # The index on numbers leaves out attempts without one; say so, or it goes unused.
                       "WHERE number_hash = ANY(%s::text[]) AND number_hash <> '' AND occurred_at > %s "
                       "AND occurred_at <= %s ORDER BY occurred_at, id", [pg_array(number_hashes), since, at])
        for row in cursor.fetchall():
            fact = AttemptFact(*row)
            found.setdefault(fact.number_hash, []).append(fact)
    return found


def governor_facts(*, case_ids, at: dt.datetime, known: dict[int, tuple[str, str]] | None = None,
                   as_recorded: bool = False, earliest: dt.datetime | None = None) -> dict[int, CaseFacts]:
    """Facts for many cases in a few queries: cases, holds, the cardholders' recent attempts, broken
    promises, agreements.

    `known` maps case id to (time zone, stage) when the caller has just read them (the pass reads them
    in the same statement that chose the cases, so they agree with what it decided). `as_recorded` reads
    the holds as they stood at `at` rather than as they stand now (judging a contact that happened).
    `earliest` reaches back to the lookback before it rather than before `at`, for judging several moments
    up to `at` at once (the rules count only what happened by the moment they judge).
    """
    ids = list(case_ids)
    since = min(earliest or at, at) - dt.timedelta(days=LOOKBACK_DAYS)
    cases, holds, attempts, broken = _fact_rows(ids, since, at, as_recorded)
    if known is None:
        known = {pk: (zone, stage) for pk, _customer, zone, stage in cases}
    customer_of = {pk: customer for pk, customer, _zone, _stage in cases}
    facts = {pk: CaseFacts(case_id=pk, timezone=zone or settings.COLLECTIONS_DEFAULT_TIMEZONE, stage=stage,
                           customer_id=customer_of.get(pk))
             for pk, (zone, stage) in known.items()}
    for pk, kind in holds:
        if pk in facts:
            facts[pk].holds = (*facts[pk].holds, kind)
    by_customer: dict[int, list[AttemptFact]] = {}
    for customer, *rest in attempts:
        by_customer.setdefault(customer, []).append(AttemptFact(*rest))
    for case_facts in facts.values():
        case_facts.attempts = by_customer.get(case_facts.customer_id, [])
    for pk, occurred_at in broken:
        if pk in facts:
            facts[pk].broken_promises.append(occurred_at)
    for pk, kind in _paused_by_agreement(ids).items():
        if pk in facts:
            facts[pk].paused_by = kind
    preferences = customers_preferences(customer_ids=customer_of.values())
    for case_facts in facts.values():
        case_facts.preferences = preferences.get(case_facts.customer_id)
    return facts


# --- the rules --------------------------------------------------------------------------------------------

def _local(moment: dt.datetime, tz_name: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(tz_name))


def _opening(day: dt.date, profile: JurisdictionProfile, tz_name: str) -> dt.datetime:
    return dt.datetime.combine(day, profile.contact_from, tzinfo=ZoneInfo(tz_name)).astimezone(dt.UTC)


def next_opening(*, at: dt.datetime, profile: JurisdictionProfile, tz_name: str) -> dt.datetime:
    """`at` itself when inside contact hours in `tz_name`, else the next time the window opens."""
    local = _local(at, tz_name)
    if local.time() < profile.contact_from:
        return _opening(local.date(), profile, tz_name)
    if local.time() >= profile.contact_until:
        return _opening(local.date() + dt.timedelta(days=1), profile, tz_name)
    return at


# Each rule answers None (passed) or (reason, figures, next permitted time). The trail stores the reason
# in English with its figures; `reason_text` reads it in the reader's language.
REASONS = {
    "holds": gettext_noop("On hold: %(holds)s."),
    "legal_stage": gettext_noop("Only the legal officer's letters go out."),
    "plan_pause": gettext_noop(
        "A plan or promise in good standing pauses collection; only instalment reminders remain."),
    "third_party": gettext_noop(
        "A third party may be contacted only after %(needed)s consecutive failed attempts or an invalid number, "
        "and only to locate the cardholder."),
    "hours": gettext_noop("Outside %(start)s–%(end)s in %(zone)s."),
    "calls_per_window": gettext_noop("%(count)s call attempts in %(days)s days (limit %(limit)s)."),
    "calls_per_day": gettext_noop("%(count)s call attempts today (limit %(limit)s)."),
    "unanswered_per_number": gettext_noop("%(count)s unanswered calls to this number today (limit %(limit)s)."),
    "quiet_period": gettext_noop(
        "Spoke with the cardholder on %(date)s; no call for %(days)s days unless they ask or a promise breaks."),
    "preferences": gettext_noop("The cardholder's preference refuses it: %(preference)s (%(source)s, %(date)s)."),
    "preferred_window": gettext_noop(
        "Outside the cardholder's preferred time, %(start)s–%(end)s (%(source)s, %(date)s)."),
    "wrong_number_dialled": gettext_noop("This number was reported wrong; it is not dialled again."),
    "unknown_party": gettext_noop(
        "This number is on file neither for the cardholder nor as one of their contact points."),
    "estate": gettext_noop("Only a letter goes to the estate, and only while the cardholder's death is on record."),
}


@dataclass(frozen=True)
class Caution:
    """What a rule answers when it lets a contact through but the trail should say why it was unwise."""

    reason: str
    figures: dict


def _rule_holds(facts: CaseFacts, purpose, **_):
    # A death stops contact with the cardholder; the letter to their estate is the one contact it leaves.
    # Any other hold (a dispute the family raised, say) still stops that letter too.
    holds = [kind for kind in facts.holds if not (purpose == PURPOSE_ESTATE and kind == HoldKind.DECEASED)]
    if holds:
        return REASONS["holds"], {"holds": holds}, None
    return None


def _rule_estate(facts: CaseFacts, channel, purpose, **_):
    if purpose == PURPOSE_ESTATE and (channel != Channel.LETTER or HoldKind.DECEASED not in facts.holds):
        return REASONS["estate"], {}, None
    return None


def _rule_legal_stage(facts: CaseFacts, channel, purpose, **_):
    # In litigation the bank speaks through its lawyers and the legal officer's letters, nothing else.
    if facts.stage == Stage.LEGAL and not (channel == Channel.LETTER and purpose == PURPOSE_LEGAL):
        return REASONS["legal_stage"], {}, None
    return None


def _rule_plan_pause(facts: CaseFacts, channel, purpose, **_):
    if purpose == PURPOSE_ESTATE:
        return None
    if facts.paused_by and channel in PAUSED_BY_PLAN and purpose != PURPOSE_INSTALMENT_REMINDER:
        return REASONS["plan_pause"], {}, None
    return None


def _rule_hours(facts: CaseFacts, channel, at, profile, **_):
    if channel not in TIMED_CHANNELS:
        return None
    opening = next_opening(at=at, profile=profile, tz_name=facts.timezone)
    if opening != at:
        return (REASONS["hours"], {"start": f"{profile.contact_from:%H:%M}", "end": f"{profile.contact_until:%H:%M}",
                                   "zone": facts.timezone}, opening)
    return None


def _counted(facts: CaseFacts, profile: JurisdictionProfile, limit: str, number_hash: str) -> list[AttemptFact]:
    """The attempts a limit counts, as the profile scopes it: the cardholder's across all their cases,
    the case's own, or the number's, whoever it reached."""
    scope = profile.scope_of(limit)
    if scope == LimitScope.CASE:
        return [a for a in facts.attempts if a.case_id == facts.case_id]
    if scope == LimitScope.NUMBER:
        return facts.number_attempts if number_hash else []
    return facts.attempts


def _calls(attempts: list[AttemptFact], at: dt.datetime) -> list[AttemptFact]:
    """Outbound calls to the cardholder: an inbound call counts towards no limit."""
    return [a for a in attempts if a.channel == Channel.CALL and a.outbound and not a.third_party and a.at <= at]


def _rule_calls_per_window(facts: CaseFacts, channel, at, profile, number_hash, **_):
    if channel != Channel.CALL:
        return None
    window = dt.timedelta(days=profile.call_window_days)
    recent = [a for a in _calls(_counted(facts, profile, "calls_per_window", number_hash), at) if a.at > at - window]
    if len(recent) >= profile.calls_per_window:
        # Permitted again once enough of the window's calls have aged out of it.
        frees_at = recent[len(recent) - profile.calls_per_window].at + window
        return (REASONS["calls_per_window"], {"count": len(recent), "days": profile.call_window_days,
                                              "limit": profile.calls_per_window}, frees_at)
    return None


def _rule_calls_per_day(facts: CaseFacts, channel, at, profile, number_hash, **_):
    if channel != Channel.CALL or not profile.calls_per_day:
        return None
    today = _local(at, facts.timezone).date()
    count = sum(1 for a in _calls(_counted(facts, profile, "calls_per_day", number_hash), at)
                if _local(a.at, facts.timezone).date() == today)
    if count >= profile.calls_per_day:
        return (REASONS["calls_per_day"], {"count": count, "limit": profile.calls_per_day},
                _opening(today + dt.timedelta(days=1), profile, facts.timezone))
    return None


def _rule_unanswered_per_number(facts: CaseFacts, channel, at, profile, number_hash, **_):
    if channel != Channel.CALL or not profile.unanswered_per_number_per_day or not number_hash:
        return None
    today = _local(at, facts.timezone).date()
    count = sum(1 for a in _counted(facts, profile, "unanswered_per_number", number_hash)
                if a.channel == Channel.CALL and a.outbound and a.number_hash == number_hash and a.at <= at
                and a.result == AttemptResult.NO_ANSWER and _local(a.at, facts.timezone).date() == today)
    if count >= profile.unanswered_per_number_per_day:
        return (REASONS["unanswered_per_number"], {"count": count, "limit": profile.unanswered_per_number_per_day},
                _opening(today + dt.timedelta(days=1), profile, facts.timezone))
    return None


def _rule_quiet_period(facts: CaseFacts, channel, at, profile, number_hash, **_):
    if channel != Channel.CALL:
        return None
    quiet = dt.timedelta(days=profile.quiet_days_after_conversation)
    # A conversation starts the quiet period whoever called whom.
    talks = [a for a in _counted(facts, profile, "quiet_period", number_hash)
             if a.result in CONVERSATION_RESULTS and not a.third_party and at - quiet < a.at <= at]
    if not talks:
        return None
    last = talks[-1]
    if last.callback_requested or any(b > last.at for b in facts.broken_promises if b <= at):
        return None
    return (REASONS["quiet_period"], {"date": _local(last.at, facts.timezone).date().isoformat(),
                                      "days": profile.quiet_days_after_conversation}, last.at + quiet)


def _rule_third_party(facts: CaseFacts, at, profile, to_third_party, **_):
    # A number on file as an emergency contact or employer reaches a third party, whatever the caller says;
    # a guarantor is liable under the guarantee and is not one for it.
    if not to_third_party and facts.number_standing != Standing.THIRD_PARTY:
        return None
    own = [a for a in facts.attempts if not a.third_party and a.outbound and a.at <= at]
    if any(a.result == AttemptResult.WRONG_NUMBER for a in own):
        return None
    needed = profile.third_party_after_failures
    last = own[-needed:]
    if len(last) == needed and all(a.result in FAILED_RESULTS for a in last):
        return None
    return REASONS["third_party"], {"needed": needed}, None


def _stated_figures(stated) -> dict:
    return {"source": stated.source, "date": _local(stated.stated_at, "UTC").date().isoformat()}


def _rule_preferences(facts: CaseFacts, channel, number_hash, purpose, **_):
    """A channel, number or place the cardholder opted out of (or withheld consent for) is not used. The
    estate is not the cardholder: their preferences do not speak for it."""
    if purpose == PURPOSE_ESTATE:
        return None
    refused = facts.preferences.refusal(channel=channel, number_hash=number_hash) if facts.preferences else None
    if refused is None:
        return None
    kind, _target, stated = refused
    return REASONS["preferences"], {"preference": kind, "channel": channel, **_stated_figures(stated)}, None


def _rule_preferred_window(facts: CaseFacts, channel, at, profile, by_staff=False, **_):
    """Automated contacts wait for the cardholder's preferred time. A member of staff calling outside it
    is warned under a profile that leaves it to judgement (CN), and breaks the rule where the law treats
    a time known to be inconvenient as binding (US, Regulation F §1006.6(b)(1))."""
    prefs = facts.preferences
    if not prefs or not prefs.window or channel not in TIMED_CHANNELS:
        return None
    start, end = prefs.window
    local = _local(at, facts.timezone)
    if start <= local.time() < end:
        return None
    figures = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", **_stated_figures(prefs.window_stated)}
    if by_staff and not profile.window_preference_binding_for_staff:
        return Caution(REASONS["preferred_window"], figures)
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    opening = dt.datetime.combine(day, start, tzinfo=ZoneInfo(facts.timezone)).astimezone(dt.UTC)
    return REASONS["preferred_window"], figures, opening
def _rule_wrong_number(facts: CaseFacts, **_):
    if facts.number_standing == Standing.WRONG:
        return REASONS["wrong_number_dialled"], {}, None
    return None


def _rule_unknown_party(facts: CaseFacts, channel, **_):
    # Someone unrelated is never contacted: only the cardholder's numbers and their points may be dialled.
    if channel in NUMBER_CHANNELS and facts.number_standing == Standing.UNKNOWN:
        return REASONS["unknown_party"], {}, None
    return None


RULES = (
    ("holds", _rule_holds),
    ("estate", _rule_estate),
    ("legal_stage", _rule_legal_stage),
    ("preferences", _rule_preferences),
    ("plan_pause", _rule_plan_pause),
    ("third_party", _rule_third_party),
    ("wrong_number_dialled", _rule_wrong_number),
    ("unknown_party", _rule_unknown_party),
    ("hours", _rule_hours),
    ("calls_per_window", _rule_calls_per_window),
    ("calls_per_day", _rule_calls_per_day),
    ("unanswered_per_number", _rule_unanswered_per_number),
    ("quiet_period", _rule_quiet_period),
    ("preferred_window", _rule_preferred_window),
)


def _run_rules(facts, *, channel, at, profile, number_hash, to_third_party, purpose, by_staff=False, warnings=None):
    passed, failed = [], []
    for name, rule in RULES:
        outcome = rule(facts, channel=channel, at=at, profile=profile, number_hash=number_hash,
                       to_third_party=to_third_party, purpose=purpose, by_staff=by_staff)
        if isinstance(outcome, Caution):
            passed.append(name)
            if warnings is not None:
                warnings.append({"rule": name, "reason": outcome.reason % outcome.figures, "figures": outcome.figures})
        elif outcome is None:
            passed.append(name)
        else:
            reason, figures, next_at = outcome
            # The trail keeps the English, as written before reasons were translated (hold codes, ISO dates);
            # no translation machinery here: the pass evaluates a million cases.
            english = reason % {**figures, "holds": ", ".join(figures["holds"])} if "holds" in figures else (
                reason % figures if figures else reason)
            failed.append({"rule": name, "reason": english, "figures": figures,
                           "next_permitted_at": next_at.isoformat() if next_at else None, "_next": next_at})
    return passed, failed


def governor_evaluate(
    *, facts: CaseFacts, channel: str, at: dt.datetime, profile: JurisdictionProfile, number: str = "",
    to_third_party: bool = False, purpose: str = PURPOSE_COLLECTION, find_next: bool = True, by_staff: bool = False,
) -> Verdict:
    """Apply every rule to one case's facts. Pure: no queries. `by_staff`: a person makes the contact
    (a call logged or about to be made), not the pass or a sender.

    When rules fail only for a while (hours, call limits, quiet period), `next_permitted_at` is the
    earliest moment at which all of them pass, found by moving forward and checking again. A contact
    that already happened is judged without it (`find_next=False`): there is nothing left to plan, and
    each failed rule still says when it would have passed.
    """
    kwargs = {"channel": channel, "profile": profile, "number_hash": pii_hash(number) if number else "",
              "to_third_party": to_third_party, "purpose": purpose, "by_staff": by_staff}
    warnings: list[dict] = []
    passed, failed = _run_rules(facts, at=at, warnings=warnings, **kwargs)
    next_at = None
    if find_next and failed and all(f["_next"] for f in failed):
        candidate = max(f["_next"] for f in failed)
        for _ in range(20):
            _p, again = _run_rules(facts, at=candidate, **kwargs)
            if not again:
                next_at = candidate
                break
            if not all(f["_next"] for f in again):
                break
            candidate = max(f["_next"] for f in again)
    for f in failed:
        del f["_next"]
    return Verdict(allowed=not failed, passed=passed, failed=failed, next_permitted_at=next_at,
                   profile=profile.code, checked_at=at, timezone=facts.timezone, warnings=warnings)


def governor_check(
    *, case: Case, channel: str, at: dt.datetime | None = None, number: str = "", to_third_party: bool = False,
    purpose: str = PURPOSE_COLLECTION, as_recorded: bool = False, by_staff: bool = False,
) -> Verdict:
    """May `case` be contacted on `channel` at `at` (default now)? The function staff screens call.

    Returns a Verdict: allowed, the rules passed and failed with reasons, and the next permitted time
    (None when the contact must wait for a hold, pause or more attempts to clear). `as_recorded` judges a
    contact that happened at `at` against the holds of that moment, with no next permitted time.
    """
    at = at or timezone.now()
    facts = governor_facts(case_ids=[case.pk], at=at, as_recorded=as_recorded)[case.pk]
    if number:
        number_hash = pii_hash(number)
        facts.number_attempts = governor_number_attempts(
            [number_hash], since=at - dt.timedelta(days=LOOKBACK_DAYS), at=at).get(number_hash, [])
        facts.number_standing = number_standing(customer=case.account.customer, number=number, at=at)
    profile = governor_profile_for(tz_name=facts.timezone, profiles=governor_profiles())
    return governor_evaluate(facts=facts, channel=channel, at=at, profile=profile, number=number,
                             to_third_party=to_third_party, purpose=purpose, find_next=not as_recorded,
                             by_staff=by_staff)



# What each rule means, in the reader's language; a verdict's stored reason keeps the exact figures.
RULE_LABELS = {
    "holds": _("A hold stops contact"),
    "legal_stage": _("The case is in litigation"),
    "plan_pause": _("A plan or promise in force pauses collection"),
    "third_party": _("A third party may not be contacted yet"),
    "hours": _("Outside contact hours"),
    "calls_per_window": _("Too many calls in the window"),
    "calls_per_day": _("Too many calls today"),
    "unanswered_per_number": _("Too many unanswered calls to this number today"),
    "quiet_period": _("Quiet period after a conversation"),
    "preferences": _("The cardholder opted out of this"),
    "preferred_window": _("Outside the cardholder's preferred time"),
    "wrong_number_dialled": _("A number reported wrong was dialled"),
    "unknown_party": _("A number not on file was dialled"),
    "estate": _("Only the letter to the estate may go"),
}


def breach_text(rules) -> str:
    """The rules a contact broke, in words, in the reader's language."""
    return pgettext("rule separator", "; ").join(str(RULE_LABELS.get(rule, rule)) for rule in rules)


def reason_text(failed: dict) -> str:
    """A failed rule's reason in the active language. Entries stored before the figures were kept show
    their English reason."""
    if "figures" not in failed or failed.get("rule") not in REASONS:
        return failed.get("reason", "")
    figures = dict(failed["figures"])
    if "holds" in figures:
        labels = dict(HoldKind.choices)
        figures["holds"] = pgettext("list separator", ", ").join(str(labels.get(k, k)) for k in figures["holds"])
    if "date" in figures:
        figures["date"] = date_format(dt.date.fromisoformat(figures["date"]), "SHORT_DATE_FORMAT")
    if "preference" in figures:
        figures["preference"] = PreferenceKind(figures["preference"]).label
    if "source" in figures and figures["source"] in PreferenceSource.values:
        figures["source"] = PreferenceSource(figures["source"]).label
    return gettext(REASONS[failed["rule"]]) % figures


def refusal_text(verdict: Verdict) -> str:
    """The refusal in one sentence: what stops the contact, in words, and when it may happen, in the
    cardholder's time zone."""
    # The labels head a list elsewhere; inside the sentence they start in lower case (Chinese has none).
    why = pgettext("rule separator", "; ").join(str(RULE_LABELS.get(f["rule"], f["rule"])).lower()
                                                for f in verdict.failed)
    zone = ZoneInfo(verdict.timezone)
    values = {"why": why, "zone": verdict.timezone,
              "at": date_format(verdict.checked_at.astimezone(zone), "SHORT_DATETIME_FORMAT")}
    # A callback or a visit is checked at the time it is planned for, not now.
    planned = verdict.checked_at > timezone.now() + dt.timedelta(minutes=1)
    if verdict.next_permitted_at is None:
        if planned:
            return gettext("Not permitted at %(at)s (%(why)s) until the case changes.") % values
        return gettext("Not permitted now (%(why)s) until the case changes.") % values
    values["when"] = date_format(verdict.next_permitted_at.astimezone(zone), "SHORT_DATETIME_FORMAT")
    if planned:
        return gettext("Not permitted at %(at)s (%(why)s); next permitted %(when)s, %(zone)s time.") % values
    return gettext("Not permitted now (%(why)s); next permitted %(when)s, %(zone)s time.") % values
