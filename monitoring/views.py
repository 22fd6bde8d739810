"""GET /metrics: the Prometheus exposition, for the configured addresses or a bearer token only."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from core.metrics import registry_for_scrape
from monitoring.collectors import DomainCollector


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request):
    if not allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    domain = CollectorRegistry(auto_describe=False)
    domain.register(DomainCollector())
    body = generate_latest(registry_for_scrape()) + generate_latest(domain)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
