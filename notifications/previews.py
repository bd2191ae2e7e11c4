"""Demo contexts for previewing each email template (admin) and for rendering tests."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone


def preview_context(template: str) -> dict:
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    arrival, departure = today + datetime.timedelta(days=90), today + datetime.timedelta(days=95)
    base = {"recipient_name": "Lucía Fernández", "url": f"{settings.SITE_URL}/"}
    booking = {"booking_reference": "B-2026-00017", "group_name": "Peregrinación a Santiago"}
    contexts = {
        "quotation_created": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "client_name": "Parroquia Santa María de Triana",
            "arrival": arrival,
            "departure": departure,
            "pax": 38,
        },
        "quotation_approved": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "price_per_person": Decimal("845.00"),
            "price_total": Decimal("32110.00"),
            "currency": "EUR",
        },
        "hotel_invitation": {
            "hotel_name": "Hotel Alfonso XIII",
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "city": "Sevilla",
            "arrival": arrival,
            "departure": departure,
            "pax": 38,
            "rooms": ["2 × Single", "18 × Double"],
            "meal_plan": "Half board",
            "bid_deadline": now + datetime.timedelta(days=5),
        },
        "payment_received": {
            **booking,
            "amount": Decimal("9633.00"),
            "currency": "EUR",
            "balance_due": Decimal("22477.00"),
        },
        "booking_confirmed": {**booking, "arrival": arrival, "departure": departure},
        "traveller_payment_link": {
            **booking,
            "traveller_name": "Ana Ruiz Gómez",
            "leader_name": "Padre Javier Romero",
            "arrival": arrival,
            "amount": Decimal("412.35"),
            "currency": "EUR",
            "due": today + datetime.timedelta(days=7),
        },
        "hotel_booking_request": {
            **booking,
            "check_in": arrival,
            "check_out": departure,
            "rooms": ["2 × Single", "18 × Double"],
        },
        "guide_assigned": {**booking, "guide_name": "Javier Ortega", "arrival": arrival, "departure": departure},
        "payment_reminder": {
            **booking,
            "amount": Decimal("22477.00"),
            "currency": "EUR",
            "due_date": today + datetime.timedelta(days=30),
        },
        "deadline_warning": {
            "kind": "bid",
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "deadline": now + datetime.timedelta(hours=24),
        },
        "cancellation_notice": {
            **booking,
            "reason": "Cancelación solicitada por el grupo",
            "refund_amount": Decimal("4816.50"),
            "currency": "EUR",
        },
        "refund_processed": {**booking, "amount": Decimal("4816.50"), "currency": "EUR"},
        "quotation_sent": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "revised": False,
            "arrival": arrival,
            "departure": departure,
            "pax": 38,
            "price_per_person": Decimal("845.00"),
            "price_total": Decimal("32110.00"),
            "currency": "EUR",
            "valid_until": today + datetime.timedelta(days=14),
        },
        "client_changes_requested": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "client_name": "Parroquia Santa María de Triana",
            "requested_by": "Padre Javier Romero",
            "message": "¿Podemos pasar una noche más en Santiago y alojarnos más cerca de la catedral?",
        },
        "client_declined": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "client_name": "Parroquia Santa María de Triana",
            "declined_by": "Padre Javier Romero",
            "reason": "El consejo parroquial ha aplazado la peregrinación.",
        },
        "hotel_activity": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "hotels": [
                {
                    "hotel_name": "Hotel Alfonso XIII",
                    "city": "Sevilla",
                    "events": [
                        {"kind": "submitted", "revision": 1, "at": now - datetime.timedelta(minutes=12), "reason": ""},
                        {"kind": "revised", "revision": 2, "at": now - datetime.timedelta(minutes=4), "reason": ""},
                    ],
                },
                {
                    "hotel_name": "Hotel Compostela Plaza",
                    "city": "Santiago de Compostela",
                    "events": [
                        {
                            "kind": "declined",
                            "revision": None,
                            "at": now - datetime.timedelta(minutes=9),
                            "reason": "Sin disponibilidad en esas fechas",
                        }
                    ],
                },
            ],
        },
        "bidding_incomplete": {
            "reference": "Q-2026-00042",
            "group_name": "Peregrinación a Santiago",
            "deadline": now - datetime.timedelta(hours=1),
            "cities": ["Santiago de Compostela", "Fátima"],
        },
        "password_reset": {"valid_hours": 24},
    }
    return {**base, **contexts[template]}
