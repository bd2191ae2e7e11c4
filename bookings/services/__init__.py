"""Writes on bookings: one module per topic, each verb keyword-only and audited."""

from bookings.services.bookings import (
    booking_create_from_quotation,
    booking_ledger_apply,
    booking_lock,
    booking_log,
    booking_schedule_change,
    bookings_travel_progress,
    schedule_rules_default,
    schedule_rules_for,
)
from bookings.services.cancellation import (
    CancellationTerms,
    booking_cancel,
    booking_cancellation_terms,
    booking_may_cancel,
    booking_tiers,
    traveller_cancel,
    traveller_cancellation_terms,
)
from bookings.services.guides import guide_assign
from bookings.services.travellers import (
    TravellerInput,
    rooming_assign,
    rooming_send,
    traveller_add,
    traveller_remove,
    travellers_import_csv,
)

__all__ = [
    "CancellationTerms",
    "TravellerInput",
    "booking_cancel",
    "booking_cancellation_terms",
    "booking_create_from_quotation",
    "booking_ledger_apply",
    "booking_lock",
    "booking_log",
    "booking_may_cancel",
    "booking_schedule_change",
    "booking_tiers",
    "bookings_travel_progress",
    "guide_assign",
    "rooming_assign",
    "rooming_send",
    "schedule_rules_default",
    "schedule_rules_for",
    "traveller_add",
    "traveller_cancel",
    "traveller_cancellation_terms",
    "traveller_remove",
    "travellers_import_csv",
]
