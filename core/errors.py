"""Domain errors. Services raise these; the API and the HTML views translate them for their users."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain refuses. `code` is stable and machine-readable; the message is for people."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 params: dict | None = None):
        super().__init__(message)
        self._message, self.params = message, params or {}
        if code:
            self.code = code
        self.field = field

    @property
    def message(self) -> str:
        """The message in the active language when it was marked with gettext_lazy, so a page shows it in
        the reader's language and the API (which reads it under English) in English. `params` fill its
        %(name)s placeholders after translation."""
        text = str(self._message)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The actor's role may not do this at all, whatever the object (see staff.permissions)."""

    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    """The request was valid but lost to the current state, for example a concurrent change."""

    code = "conflict"
    http_status = 409


def reason_required(reason: str | None, *, error: type[DomainError] = DomainError, field: str = "reason") -> str:
    """`reason` without surrounding spaces; `error` (code reason_required) beside `field` when it is empty.

    Every decision a person makes about someone's debt carries their reason, and every service asks the
    same way, so the message and its code are the same on every page and in the API.
    """
    reason = (reason or "").strip()
    if not reason:
        raise error(_("A reason is required."), code="reason_required", field=field)
    return reason
