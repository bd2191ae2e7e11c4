"""Payments' figures on /metrics (spirittours.metrics), counted in the database."""

from prometheus_client.core import GaugeMetricFamily

from payments.selectors import payment_counts_by_provider_and_status


def payment_metrics():
    family = GaugeMetricFamily("spirittours_payments", "Payments by provider and status", labels=["provider", "status"])
    for (provider, status), count in sorted(payment_counts_by_provider_and_status().items()):
        family.add_metric([provider, status], count)
    yield family
