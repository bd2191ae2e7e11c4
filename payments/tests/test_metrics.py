"""`/metrics`: closed to the public, open to the token and the allowed networks, and its
business figures equal to what is in the database."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.factories import StaffFactory
from bookings.factories import booking_approved
from notifications.models import EmailMessage, EmailStatus
from payments.models import Payment
from payments.services import payment_record_transfer
from quotations.factories import quotation_make
from quotations.metrics import ROOM_SOCKETS_OPEN
from quotations.models import HotelBid, QuotationStatus, RoomEvent

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def closed(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]


def _samples(response) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": TOKEN},  # not as a bearer token
        {"REMOTE_ADDR": "10.21.0.1"},
        {"REMOTE_ADDR": "not-an-address"},
    ],
)
def test_anyone_else_gets_404(client, closed, headers):
    response = client.get("/metrics", **headers)

    assert response.status_code == 404
    assert b"spirittours_" not in response.content


@pytest.mark.parametrize(
    "headers", [{"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, {"REMOTE_ADDR": "10.20.3.4"}], ids=["token", "network"]
)
def test_the_token_or_an_allowed_network_reads_the_metrics(client, closed, headers):
    response = client.get("/metrics", **headers)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]


def test_without_a_token_no_network_is_open_in_production_settings(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_business_figures_are_the_database_counts(client, closed):
    staff = StaffFactory()
    quotation_make(owner=staff)
    quotation_make(owner=staff)
    booking = booking_approved()  # a quotation taken through bidding, sent, approved
    payment_record_transfer(
        booking=booking,
        installment=booking.installments.order_by("position").first(),
        amount=Decimal("100.00"),
        received_on=timezone.localdate() - datetime.timedelta(days=1),
        reference="TRF-METRICS",
        by=staff,
    )
    EmailMessage.objects.filter(pk__in=EmailMessage.objects.values("pk")[:1]).update(status=EmailStatus.FAILED)

    samples = _samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))

    for status in QuotationStatus.values:
        assert samples[("spirittours_quotations", (("status", status),))] == (
            {QuotationStatus.DRAFT: 2}.get(status, 0) + (1 if status == booking.quotation.status else 0)
        )
    assert samples[("spirittours_bids_received_total", ())] == HotelBid.objects.count() == 1
    assert samples[("spirittours_room_events_total", ())] == RoomEvent.objects.count() > 0
    for status in EmailStatus.values:
        assert (
            samples[("spirittours_emails", (("status", status),))] == EmailMessage.objects.filter(status=status).count()
        )
    assert samples[("spirittours_emails", (("status", EmailStatus.FAILED),))] == 1
    payment = Payment.objects.get()
    assert [key for key in samples if key[0] == "spirittours_payments"] == [
        ("spirittours_payments", (("provider", payment.provider), ("status", payment.status)))
    ]
    assert samples[("spirittours_payments", (("provider", "manual"), ("status", "confirmed")))] == 1
    assert samples[("spirittours_websocket_connections_open", ())] == ROOM_SOCKETS_OPEN._value.get()
    # django-prometheus' own request figures are there too.
    assert any(name == "django_http_requests_total_by_method_total" for name, _labels in samples)


def test_several_processes_of_one_container_add_up_their_figures(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (docker-compose.yml's web containers): each process writes its
    figures to files there, and /metrics, in whichever process, reads them all."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DEBUG="true",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        METRICS_TOKEN=TOKEN,
        SPIRITTOURS_VAR_DIR=str(tmp_path / "var"),
    )
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings; settings.METRICS_COLLECTORS = []\n"
        "from django.test import Client\n"
        "from quotations.metrics import ROOM_SOCKETS_OPEN\n"
        "ROOM_SOCKETS_OPEN.inc(3)\n"
        f"response = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}', HTTP_HOST='localhost')\n"
        "print(response.status_code); print(response.content.decode())\n"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split("\n", 1)
    assert status == "200"
    assert "spirittours_websocket_connections_open 3.0" in body
    assert any(path.name.startswith("gauge_livesum_") for path in tmp_path.iterdir())
