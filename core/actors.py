"""Who did something: a member of staff (a User) or a named system such as "system" or "core-system"."""

from typing import Any

from core.i18n import stored_phrase

SYSTEM = stored_phrase("system")  # shown in the reader's language, stored as is
CORE_SYSTEM = stored_phrase("core-system")


def actor_fields(actor: Any) -> dict:
    """The `actor` / `actor_label` pair that history and log rows store for an actor."""
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValueError("an actor is a logged-in user or a system name")
    return {"actor": actor, "actor_label": actor.get_username()}
