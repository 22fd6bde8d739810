"""Who did something: a member of staff (a User) or a named system such as "system" or "core-system"."""

from typing import Any

from core.i18n import stored_phrase

SYSTEM = stored_phrase("system")  # shown in the reader's language, stored as is
CORE_SYSTEM = stored_phrase("core-system")
CARDHOLDER_LABEL = stored_phrase("the cardholder, on their own page")


class Cardholder:
    """The cardholder acting on their own page (selfservice), after proving who they are.

    Not a login: it has no row in the users table, and history rows store it by label. It carries the
    cardholder it is and the link it came through, so that services can check the case is theirs.
    """

    is_authenticated = False
    role = "cardholder"

    def __init__(self, *, customer_id: int, link_id: int):
        self.customer_id, self.link_id = customer_id, link_id

    def get_username(self) -> str:
        return CARDHOLDER_LABEL

    def owns(self, case) -> bool:
        return case.account.customer_id == self.customer_id


def actor_fields(actor: Any) -> dict:
    """The `actor` / `actor_label` pair that history and log rows store for an actor."""
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if isinstance(actor, Cardholder):
        return {"actor": None, "actor_label": CARDHOLDER_LABEL}
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValueError("an actor is a logged-in user or a system name")
    return {"actor": actor, "actor_label": actor.get_username()}
