from core.errors import Conflict, DomainError


class PromiseError(DomainError):
    code = "promise_invalid"


class PromiseExists(Conflict):
    code = "promise_pending"
