"""Policy preview: what tomorrow's escalation pass would schedule under a draft of the default policy.

A supervisor asks for a preview (`policy_preview_request`); a background task (`dashboards.policy_preview`)
computes it (`policy_preview_finish`), since at a million cases the dry runs outlast a web request.

It is the real pass, not an estimate: inside one transaction the draft is published as the version in
force at the preview moment, every chunk of `escalation_chunk_run` runs as it would in production, the
contacts it inserted are counted per channel and team, and the transaction is rolled back. The same is
done without the draft, so the two columns differ only by the draft. It needs PostgreSQL, like the pass.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from agencies.by_policy import KeptInHouse
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from core.errors import DomainError
from core.outbox import task_enqueue
from dashboards.models import PolicyPreview
from escalation.defaults import POLICY_CURRENCY
from escalation.models import Policy
from escalation.offers import offers_parse
from escalation.policy import policies_in_force, policy_definition_check, policy_version_publish
from escalation.services import PassSummary, escalation_chunk_run, escalation_ranges


def policy_definition_parse(*, data: dict) -> dict:
    """The JSON a supervisor edited, as `policy_version_publish` takes it (money as Decimal)."""
    try:
        definition = {"currency": str(data.get("currency") or POLICY_CURRENCY),
                      "large_amount_threshold": Decimal(str(data["large_amount_threshold"])),
                      "large_amount_thresholds": {str(code): Decimal(str(amount)) for code, amount
                                                  in (data.get("large_amount_thresholds") or {}).items()},
                      "uplift_max_rank": int(data["uplift_max_rank"]),
                      "estate_letter_after_days": None if data.get("estate_letter_after_days") is None
                      else int(data["estate_letter_after_days"]), "tiers": [],
                      "offers": offers_parse(data.get("offers"))}
        for tier in data["tiers"]:
            definition["tiers"].append({
                "code": str(tier["code"]), "name": str(tier["name"]), "rank": int(tier["rank"]),
                "dpd_from": int(tier["dpd_from"]),
                "dpd_to": None if tier.get("dpd_to") is None else int(tier["dpd_to"]),
                "self_service_links": tier.get("self_service_links", True),
                "actions": [_action_parse(action) for action in tier["actions"]]})
    except KeyError as exc:
        raise DomainError(_("The rules are missing %(key)s."), params={"key": repr(exc.args[0])},
                          field="definition") from exc
    except (TypeError, ValueError, AttributeError, InvalidOperation) as exc:
        raise DomainError(_("The rules hold a value of the wrong kind: %(exc)s."), params={"exc": exc},
                          field="definition") from exc
    return definition


def _action_parse(action: dict) -> dict:
    parsed = {**action, "condition": action.get("condition") or ""}
    for name in ("min_amount", "max_amount"):
        if action.get(name) not in (None, ""):
            parsed[name] = Decimal(str(action[name]))
        elif name in action:
            parsed[name] = None
    return parsed


def _dry_run(*, as_of: dt.datetime, policy: Policy | None = None, definition: dict | None = None,
             actor=None) -> tuple[Counter, PassSummary]:
    with transaction.atomic():
        if definition is not None:
            current = policies_in_force(as_of=as_of)
            version = current.champion if policy.pk == current.champion.policy_id else None
            policy_version_publish(policy=policy, effective_from=as_of, definition=definition, actor=actor,
                                   note="preview", challenger=version.challenger if version else None,
                                   challenger_percent=version.challenger_percent if version else 0)
        policies = policies_in_force(as_of=as_of)
        summary = PassSummary()
        for lo, hi in escalation_ranges(as_of=as_of, policies=policies):
            summary.add(escalation_chunk_run(lo=lo, hi=hi, as_of=as_of, policies=policies))
        counts = Counter({(r["channel"], r["case__assigned_team__name"] or "—"): r["n"] for r in
                          ScheduledContact.objects.filter(origin=Origin.POLICY, created_at=as_of,
                                                          status=ContactStatus.SCHEDULED)
                          .values("channel", "case__assigned_team__name").annotate(n=Count("id"))})
        transaction.set_rollback(True)
    return counts, summary


def _compared(key: str, current: Counter, draft: Counter, **extra) -> list[dict]:
    return [{**extra, key: name, "current": current.get(name, 0), "draft": draft.get(name, 0),
             "change": draft.get(name, 0) - current.get(name, 0)} for name in sorted(set(current) | set(draft))]


def policy_preview(*, policy: Policy, definition: dict, actor, as_of: dt.datetime) -> list[dict]:
    """Per channel (its code) and team: contacts the pass at `as_of` would schedule now, and under the draft.
    Then, per agency, the cases it would place with outside agencies (rows of kind `placed`), and per reason
    those its placement rules chose that no agency could take (kind `kept`).

    Nothing is saved. Raises DomainError when the draft is not a valid policy.
    """
    current, current_pass = _dry_run(as_of=as_of)
    draft, draft_pass = _dry_run(as_of=as_of, policy=policy, definition=definition, actor=actor)
    rows = []
    for channel, team in sorted(set(current) | set(draft)):
        rows.append({"channel": channel, "team": team, "current": current.get((channel, team), 0),
                     "draft": draft.get((channel, team), 0),
                     "change": draft.get((channel, team), 0) - current.get((channel, team), 0)})
    rows += _compared("agency", current_pass.placed, draft_pass.placed, kind="placed")
    rows += _compared("reason", current_pass.kept_in_house, draft_pass.kept_in_house, kind="kept")
    return rows


def policy_preview_request(*, policy: Policy, data: dict, actor, as_of: dt.datetime) -> PolicyPreview:
    """Record a preview of the draft `data` and queue its computation once this transaction commits.

    The draft is checked here, so a broken one is refused at once with the reason (DomainError).
    """
    policy_definition_check(policy_definition_parse(data=data))
    with transaction.atomic():
        preview = PolicyPreview.objects.create(policy=policy, definition=data, as_of=as_of,
                                               requested_by=actor if getattr(actor, "pk", None) else None)
        task_enqueue(task="dashboards.policy_preview", kwargs={"preview_id": preview.pk},
                     key=f"dashboards.policy_preview:{preview.pk}")
    return preview


def policy_preview_finish(*, preview_id: int) -> bool:
    """Compute a queued preview and store its rows (or why it failed). False when it was not queued.

    Safe to run twice or in parallel: the preview's row is claimed, and a finished one is left alone.
    """
    with transaction.atomic():
        preview = (PolicyPreview.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("policy", "requested_by")
                   .filter(pk=preview_id, status=PolicyPreview.Status.QUEUED).first())
        if preview is None:
            return False
        try:
            preview.rows = policy_preview(policy=preview.policy, actor=preview.requested_by, as_of=preview.as_of,
                                          definition=policy_definition_parse(data=preview.definition))
            preview.status = PolicyPreview.Status.DONE
        except DomainError as exc:
            # Read by the supervisor who asked, in their language; the worker has none of its own.
            profile = getattr(preview.requested_by, "profile", None)
            with translation.override(getattr(profile, "language", None) or settings.LANGUAGE_CODE):
                preview.status, preview.error = PolicyPreview.Status.FAILED, exc.message
        preview.finished_at = timezone.now()
        preview.save(update_fields=["rows", "status", "error", "finished_at"])
    return True


def policy_preview_stalled(*, preview: PolicyPreview, now: dt.datetime | None = None) -> bool:
    """Whether a preview still queued has waited past POLICY_PREVIEW_TIMEOUT_SECONDS (default 10 minutes).

    Such a preview is not coming: its task ended without recording why, or no worker ever ran it. The
    page says so rather than showing it as running for ever; the row itself is left as it is.
    """
    timeout = dt.timedelta(seconds=settings.POLICY_PREVIEW_TIMEOUT_SECONDS)
    return preview.status == PolicyPreview.Status.QUEUED and (now or timezone.now()) - preview.requested_at > timeout


def policy_preview_rows(*, preview: PolicyPreview) -> list[dict]:
    """The stored rows of contacts with each channel's name in the reader's language."""
    return [{**row, "channel": Channel(row["channel"]).label} for row in preview.rows if "kind" not in row]


def policy_preview_placements(*, preview: PolicyPreview) -> dict[str, list[dict]]:
    """The stored rows of placements with outside agencies: `placed` per agency, and `kept` in-house per reason,
    the reason in the reader's language."""
    placed = [row for row in preview.rows if row.get("kind") == "placed"]
    kept = [{**row, "reason": KeptInHouse(row["reason"]).label} for row in preview.rows
            if row.get("kind") == "kept" and row["reason"] in KeptInHouse.values]
    return {"placed": placed, "kept": kept}
