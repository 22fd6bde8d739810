from core.errors import Conflict, DomainError


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class StageConflict(Conflict):
    """Another change moved the case first; the caller's view of its stage is stale."""

    code = "stage_conflict"


class OpenCaseExists(Conflict):
    code = "open_case_exists"


class PaymentConflict(Conflict):
    code = "payment_conflict"


class HoldError(DomainError):
    code = "hold_error"
