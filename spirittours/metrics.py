"""`/metrics` for Prometheus: django-prometheus' request figures, this process's own
gauges, and the business figures read from the database at each scrape.

The business figures come from the functions named in METRICS_COLLECTORS (each app's
`metrics.py` yields prometheus_client metric families): they are counts in the
database, the same whichever web process is scraped. A process's own figures (open
sockets) are per process; with several processes in one container set
PROMETHEUS_MULTIPROC_DIR (docs/DEPLOYMENT.md) and they are summed here.

The page is closed to the public: a scraper sends `Authorization: Bearer
<METRICS_TOKEN>`, or comes from a network in METRICS_ALLOWED_NETWORKS (the direct
peer's address: a proxy in front must not pass /metrics on). Anyone else gets 404.
"""

import hmac
import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import multiprocess
from prometheus_client.registry import Collector


class _BusinessFigures(Collector):
    def collect(self):
        for path in settings.METRICS_COLLECTORS:
            yield from import_string(path)()


_business = prometheus_client.CollectorRegistry(auto_describe=False)
_business.register(_BusinessFigures())


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


def _process_registry() -> prometheus_client.CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    body = prometheus_client.generate_latest(_process_registry()) + prometheus_client.generate_latest(_business)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
