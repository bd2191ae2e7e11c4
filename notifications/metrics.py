"""The outbox's figures on /metrics (spirittours.metrics), counted in the database."""

from prometheus_client.core import GaugeMetricFamily

from notifications.selectors import email_backlog, email_counts_by_status


def email_metrics():
    by_status = GaugeMetricFamily("spirittours_emails", "Emails in the outbox by status", labels=["status"])
    for status, count in email_counts_by_status().items():
        by_status.add_metric([status], count)
    yield by_status
    age = email_backlog().oldest_queued_age
    yield GaugeMetricFamily(
        "spirittours_email_oldest_queued_seconds",
        "How long the oldest queued email has waited (0 when none is queued)",
        value=0 if age is None else age.total_seconds(),
    )
