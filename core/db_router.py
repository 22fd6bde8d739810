"""Reads for the dashboards and their exports go to the read replica when there is one.

With DATABASE_REPLICA_URL set, the settings add the `replica` alias and this router. A request for one of
REPLICA_READ_VIEWS (GET or HEAD only) marks its reads as replica-safe; the router then sends reads of the
domain apps' tables there, unless the read happens inside a transaction on the primary (what a
transaction reads must be what it writes on). Writes always go to the primary, as do sessions, logins and
permissions (a replica a second behind must not sign anyone out) and raw SQL on `connection`.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
# The apps whose rows a dashboard or an export reads; auth, sessions and staff stay on the primary.
REPLICA_APPS = frozenset({"cases", "contacts", "escalation", "dashboards", "complaints", "repayment_plans", "visits",
                          "events", "audit"})

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (_replica_reads.get() and model._meta.app_label in REPLICA_APPS and REPLICA in settings.DATABASES
                and not connections["default"].in_atomic_block):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: rows from either relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a physical replica follows the primary's schema by itself


class ReplicaReadsMiddleware:
    """Marks the reads of the configured views as replica-safe for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _replica_reads.set(False)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match is not None and match.view_name in settings.REPLICA_READ_VIEWS:
            _replica_reads.set(True)
        return None
