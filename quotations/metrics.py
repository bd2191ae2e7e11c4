"""Quotations' figures on /metrics (spirittours.metrics): counts in the database, and
this process's open room sockets."""

from prometheus_client import Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from quotations.selectors import bids_received_count, quotation_counts_by_status, room_events_count

# Summed over a container's processes in multiprocess mode (PROMETHEUS_MULTIPROC_DIR).
ROOM_SOCKETS_OPEN = Gauge(
    "spirittours_websocket_connections_open",
    "Room sockets open in this web process",
    multiprocess_mode="livesum",
)


def quotation_metrics():
    by_status = GaugeMetricFamily("spirittours_quotations", "Quotations by status", labels=["status"])
    for status, count in quotation_counts_by_status().items():
        by_status.add_metric([status], count)
    yield by_status
    yield CounterMetricFamily(
        "spirittours_bids_received", "Bids submitted by hotels, revisions included", value=bids_received_count()
    )
    yield CounterMetricFamily(
        "spirittours_room_events", "Events published to the quotation rooms", value=room_events_count()
    )
