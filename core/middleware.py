"""One log line and one set of metrics per request, under a request id.

First in MIDDLEWARE, so that redirects to HTTPS, refusals and errors are counted like any other answer.
The line names the route (e.g. `cases:detail`), never the path or its query string, and the user by id
only: paths and queries may carry a phone number or a name typed into a search.
"""

import logging
import time

from django.db import connection

from core import metrics
from core.request_id import request_id_new, request_id_reset, request_id_set

logger = logging.getLogger("portal.request")


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def route_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match.route or "unnamed"


def _who(request) -> dict:
    """Staff by user id, the core system by API client id: ids only, never a name."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_id": None}
    client = getattr(user, "client", None)  # an API client's principal
    if client is not None:
        return {"user_id": None, "api_client_id": client.pk}
    return {"user_id": user.pk}


class RequestObservationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_new(request.headers.get("X-Request-ID"))
        token = request_id_set(request_id)
        request.request_id = request_id  # for lines Django writes about the request after it was answered
        started = time.perf_counter()
        queries = _QueryCounter()
        try:
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
            duration = time.perf_counter() - started
            view, status = route_name(request), response.status_code
            logger.info("%s %s %s", request.method, view, status,
                        extra={"request_id": request_id, **_who(request), "view": view, "method": request.method,
                               "status": status, "duration_ms": round(duration * 1000, 1),
                               "db_queries": queries.count})
            metrics.http_requests.labels(view=view, method=request.method, status=str(status)).inc()
            metrics.http_latency.labels(view=view, status=str(status)).observe(duration)
            metrics.http_queries.labels(view=view).observe(queries.count)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_reset(token)
