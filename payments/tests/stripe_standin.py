"""A local stand-in for Stripe, for the browser tests: the API calls the product makes (checkout
sessions, refunds) and the hosted checkout page, which, once "paid", sends the payer back and posts
the signed `checkout.session.completed` notification to the app's dj-stripe endpoint, a moment later,
as Stripe does.

The product reaches it through STRIPE_API_BASE with the real stripe SDK; nothing else is faked.
"""

import html
import itertools
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import stripe

from spirittours.testing import free_port

NOTIFY_AFTER = 1.5  # seconds between the payer's return and the notification: the return page must wait


class StripeStandIn:
    def __init__(self, *, webhook_url: str, secret: str):
        self.webhook_url = webhook_url
        self.secret = secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.notified: list[str] = []
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what Stripe does --------------------------------------------------------------------------

    def session_create(self, form: dict[str, str]) -> dict:
        number = next(self._ids)
        session_id = f"cs_test_standin{number:04d}"
        amount = int(form["line_items[0][price_data][unit_amount]"])
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "client_reference_id": form.get("client_reference_id"),
            "created": int(time.time()),
            "currency": form["line_items[0][price_data][currency]"],
            "customer": None,
            "customer_email": form.get("customer_email"),
            "livemode": False,
            "metadata": {
                "our_reference": form.get("metadata[our_reference]", ""),
                "payment": form.get("metadata[payment]", ""),
            },
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form["success_url"],
            "cancel_url": form["cancel_url"],
            "url": f"{self.url}/pay/{session_id}",
            "description": form.get("line_items[0][price_data][product_data][name]", ""),
        }
        self.sessions[session_id] = session
        return session

    def session_pay(self, session_id: str) -> str:
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="paid", payment_intent=f"pi_standin{session_id[-4:]}", url=None
        )
        event = {
            "id": f"evt_standin{next(self._ids):04d}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": dict(session)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "checkout.session.completed",
        }
        threading.Timer(NOTIFY_AFTER, self._notify, args=(event,)).start()
        return session["success_url"]

    def _notify(self, event: dict) -> None:
        payload = json.dumps(event)
        request = urllib.request.Request(  # noqa: S310 (the app under test, on loopback)
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(payload, self.secret),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            self.notified.append(f"{event['id']} {response.status}")

    def refund_create(self, form: dict[str, str]) -> dict:
        refund = {
            "id": f"re_standin{next(self._ids):04d}",
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": "eur",
            "payment_intent": form["payment_intent"],
            "metadata": {"our_reference": form.get("metadata[our_reference]", "")},
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds.append(refund)
        return refund

    # --- HTTP ------------------------------------------------------------------------------------------

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _form(self) -> dict[str, str]:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                return {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}

            def _json(self, data: dict, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                if self.path == "/v1/checkout/sessions":
                    return self._json(standin.session_create(self._form()))
                if self.path == "/v1/refunds":
                    return self._json(standin.refund_create(self._form()))
                if self.path.startswith("/pay/"):
                    self._form()
                    self.send_response(303)
                    self.send_header("Location", standin.session_pay(self.path.split("/")[2]))
                    self.end_headers()
                    return None
                return self._json({"error": {"message": "not here"}}, 404)

            def do_GET(self):
                if self.path.startswith("/v1/checkout/sessions/"):
                    return self._json(standin.sessions[self.path.rsplit("/", 1)[1]])
                if self.path.startswith("/pay/"):
                    session = standin.sessions[self.path.split("/")[2]]
                    amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
                    page = (
                        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Stripe stand-in</title>"
                        "<meta name='viewport' content='width=device-width'></head><body>"
                        f"<h1>Stripe Checkout (stand-in)</h1><p data-testid='standin-amount'>{html.escape(amount)}</p>"
                        f"<p>{html.escape(session['description'])}</p>"
                        f"<form method='post' action='/pay/{session['id']}'>"
                        "<button type='submit' data-testid='standin-pay'>Pay</button></form>"
                        f"<a href='{html.escape(session['cancel_url'])}'>Back</a></body></html>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return None
                return self._json({"error": {"message": "not here"}}, 404)

        return Handler
