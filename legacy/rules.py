"""The rules a bid, a booking and a payment must keep with the rows they name.

Each check rejects its row with the first broken rule; `legacy.plan` calls them
in the order bids → bookings → payments, after the row's own cells were read
(`legacy.rows`) and its parents were checked.
"""

from collections import defaultdict
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from legacy.models import LegacyTable
from legacy.rows import BidRow, BookingRow, PaymentRow, QuotationRow, RowState, SourceRow
from payments.models import PaymentStatus
from quotations.cities import city_key
from quotations.models import BidStatus, QuotationStatus
from quotations.pricing import free_places_for, sleeping_for

if TYPE_CHECKING:
    from legacy.plan import HotelFacts, Sources

T = LegacyTable
# City names repeat across hundreds of thousands of rates: each is keyed once.
city_key_cached = cache(city_key)
BOOKABLE = (QuotationStatus.APPROVED, QuotationStatus.BOOKED, QuotationStatus.CANCELLED)


def bid_check(bid: BidRow, *, sources: "Sources", hotels: dict[str, "HotelFacts"]) -> None:
    """The bid names a new quotation and a hotel, in the hotel's currency, and prices only what the group asked."""
    quotation = sources.parent(
        bid, column="quotation_id", table=T.QUOTATIONS, legacy_id=bid.quotation_id, addable=False
    )
    sources.parent(bid, column="hotel_id", table=T.HOTELS, legacy_id=bid.hotel_id, addable=True)
    if bid.state != RowState.NEW or quotation is None:
        return
    hotel = hotels.get(bid.hotel_id)
    if hotel is None:
        bid.reject(_("hotel_id: %(id)s was imported but is no longer in the database") % {"id": bid.hotel_id})
        return
    if bid.currency != hotel.currency:
        bid.reject(
            _("currency: %(currency)s, but the hotel quotes in %(hotel_currency)s")
            % {"currency": bid.currency, "hotel_currency": hotel.currency}
        )
        return
    problem = _rates_problem(bid, quotation=quotation, hotel_city=hotel.city_key)
    if problem:
        bid.reject(problem)


def _rates_problem(bid: BidRow, *, quotation: QuotationRow, hotel_city: str) -> str:
    for rate in bid.rates:
        if rate.position > len(quotation.stays):
            return _("rates: there is no stay %(stay)d; the quotation has %(count)d") % {
                "stay": rate.position,
                "count": len(quotation.stays),
            }
        stay = quotation.stays[rate.position - 1]
        if city_key_cached(stay.city) != hotel_city:
            return _("rates: stay %(stay)d is in %(city)s, where the hotel is not") % {
                "stay": rate.position,
                "city": stay.city,
            }
        asked = quotation.rooms.get(rate.room_type, 0)
        if asked == 0:
            return _("rates: the group asked for no %(type)s room") % {"type": rate.room_type}
        if rate.rooms_available > asked:
            return _("rates: %(offered)d %(type)s rooms offered for stay %(stay)d; the group asked for %(asked)d") % {
                "offered": rate.rooms_available,
                "type": rate.room_type,
                "stay": rate.position,
                "asked": asked,
            }
    return ""


def invitation_bids_check(bids: list[SourceRow]) -> None:
    """The bids of one hotel on one quotation are its revisions: each number once, one of them active at most."""
    invitations: dict[tuple[str, str], list[BidRow]] = defaultdict(list)
    for bid in bids:
        if bid.state == RowState.NEW:
            invitations[(bid.quotation_id, bid.hotel_id)].append(bid)
    for revisions in invitations.values():
        numbers: dict[int, list[BidRow]] = defaultdict(list)
        for bid in revisions:
            numbers[bid.revision].append(bid)
        for number, same in numbers.items():
            if len(same) > 1:
                for bid in same:
                    bid.reject(
                        _("revision: this hotel's revision %(revision)d of this quotation is on lines %(lines)s")
                        % {"revision": number, "lines": ", ".join(str(other.line) for other in same)}
                    )
        active = [bid for bid in revisions if bid.status == BidStatus.ACTIVE]
        if len(active) > 1:
            for bid in active:
                bid.reject(
                    _("status: this hotel has more than one active bid on this quotation (lines %(lines)s)")
                    % {"lines": ", ".join(str(other.line) for other in active)}
                )


def bookings_one_per_quotation(bookings: list[SourceRow]) -> None:
    by_quotation: dict[str, list[BookingRow]] = defaultdict(list)
    for booking in bookings:
        if booking.state != RowState.DONE and booking.quotation_id:
            by_quotation[booking.quotation_id].append(booking)
    for quotation_id, same in by_quotation.items():
        if len(same) > 1:
            for booking in same:
                booking.reject(
                    _("quotation_id: %(id)s has more than one booking (lines %(lines)s)")
                    % {"id": quotation_id, "lines": ", ".join(str(other.line) for other in same)}
                )


def booking_check(booking: BookingRow, *, sources: "Sources", hotels: dict[str, "HotelFacts"]) -> None:
    """The booking of an approved, booked or cancelled quotation: its hotels are bids of it, its prices add up."""
    quotation = sources.parent(
        booking, column="quotation_id", table=T.QUOTATIONS, legacy_id=booking.quotation_id, addable=False
    )
    if booking.state != RowState.NEW or quotation is None:
        return
    problem = (
        _booking_terms_problem(booking, quotation=quotation)
        or _chosen_bids_problem(booking, quotation=quotation, sources=sources)
        or _prices_problem(booking, quotation=quotation)
    )
    if problem:
        booking.reject(problem)


def _booking_terms_problem(booking: BookingRow, *, quotation: QuotationRow) -> str:
    if quotation.status not in BOOKABLE:
        return _(
            "quotation_id: %(id)s is %(status)s; only an approved, booked or cancelled quotation has a booking"
        ) % {
            "id": quotation.legacy_id,
            "status": quotation.status,
        }
    if booking.currency != quotation.currency:
        return _("currency: %(currency)s, but the quotation is in %(quotation_currency)s") % {
            "currency": booking.currency,
            "quotation_currency": quotation.currency,
        }
    return ""


def _chosen_bids_problem(booking: BookingRow, *, quotation: QuotationRow, sources: "Sources") -> str:
    if len(booking.chosen_bids) != len(quotation.stays):
        return _("chosen_bids: %(bids)d bids for the quotation's %(stays)d stays; give one bid per stay, in order") % {
            "bids": len(booking.chosen_bids),
            "stays": len(quotation.stays),
        }
    currencies = set()
    for position, bid_id in enumerate(booking.chosen_bids, start=1):
        bid = sources.by_id[T.BIDS].get(bid_id)
        if bid is None or bid.quotation_id != quotation.legacy_id:
            return _("chosen_bids: %(id)s is not a bid of quotation %(quotation)s") % {
                "id": bid_id,
                "quotation": quotation.legacy_id,
            }
        if bid.state == RowState.REJECTED:
            return _("chosen_bids: %(id)s is rejected (%(where)s)") % {"id": bid_id, "where": bid.where}
        if bid.status == BidStatus.WITHDRAWN:
            return _("chosen_bids: %(id)s was withdrawn") % {"id": bid_id}
        if not any(rate.position == position for rate in bid.rates):
            return _("chosen_bids: %(id)s has no rate for stay %(stay)d") % {"id": bid_id, "stay": position}
        currencies.add(bid.currency)
    for currency in sorted(currencies - {booking.currency}):
        if currency not in booking.exchange_rates:
            return _(
                "exchange_rates: give the rate of %(currency)s to %(booking_currency)s, a chosen bid's currency"
            ) % {
                "currency": currency,
                "booking_currency": booking.currency,
            }
    return ""


def booking_paying(quotation: QuotationRow) -> dict[str, tuple[int, int, int, int]]:
    """(rooms, travellers, free, paying) by room type, as the automatic quotation seats the group."""
    sleeping = sleeping_for(
        pax=quotation.pax,
        rooms=quotation.rooms,
        free_places=free_places_for(pax=quotation.pax, every=quotation.free_place_every),
    )
    return {room: (who.rooms, who.travellers, who.free, who.paying) for room, who in sleeping.items()}


def _prices_problem(booking: BookingRow, *, quotation: QuotationRow) -> str:
    seats = booking_paying(quotation)
    paying = {room: seat[3] for room, seat in seats.items() if seat[3]}
    missing = sorted(set(paying) - set(booking.prices))
    if missing:
        return _("prices: give the price per person of the %(types)s rooms") % {"types": ", ".join(missing)}
    extra = sorted(set(booking.prices) - set(paying))
    if extra:
        return _("prices: no paying traveller sleeps in a %(types)s room") % {"types": ", ".join(extra)}
    total = sum((booking.prices[room] * count for room, count in paying.items()), Decimal(0))
    if total != booking.total:
        return _("total: %(total)s, but the prices per person make %(sum)s for the paying travellers") % {
            "total": booking.total,
            "sum": total,
        }
    return ""


def payment_check(payment: PaymentRow, *, sources: "Sources", confirmed: dict[str, Decimal]) -> None:
    """The payment of a new booking, of one of its installments, in its currency, and never beyond its total.

    `confirmed` keeps the confirmed amount of each booking so far, in file order.
    """
    booking = sources.parent(
        payment, column="booking_id", table=T.BOOKINGS, legacy_id=payment.booking_id, addable=False
    )
    if payment.state != RowState.NEW or booking is None:
        return
    if payment.installment > len(booking.schedule):
        payment.reject(
            _("installment: the booking's schedule has %(count)d installments") % {"count": len(booking.schedule)}
        )
    elif payment.currency != booking.currency:
        payment.reject(
            _("currency: %(currency)s, but the booking is in %(booking_currency)s")
            % {"currency": payment.currency, "booking_currency": booking.currency}
        )
    elif payment.status == PaymentStatus.CONFIRMED:
        paid = confirmed.get(booking.legacy_id, Decimal(0)) + payment.amount
        if paid > booking.total:
            payment.reject(
                _(
                    "amount: the confirmed payments of booking %(id)s would add up to %(paid)s, "
                    "more than its total %(total)s"
                )
                % {"id": booking.legacy_id, "paid": paid, "total": booking.total}
            )
        else:
            confirmed[booking.legacy_id] = paid
