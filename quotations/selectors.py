"""Reads on quotations."""

import datetime
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from notifications.models import EmailMessage, EmailTemplate
from quotations.cities import city_key
from quotations.models import (
    BidStatus,
    ExchangeRate,
    Hotel,
    HotelBid,
    HotelInvitation,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationPricing,
    QuotationStatus,
    RoomEvent,
)
from quotations.pricing import Offer, StayNeed, offer_valid_on


def quotation_ids_bidding_past_deadline() -> list[int]:
    return list(
        Quotation.objects.filter(status=QuotationStatus.BIDDING, bid_deadline__lte=timezone.now())
        .order_by("bid_deadline")
        .values_list("pk", flat=True)
    )


def quotation_ids_sent_past_validity() -> list[int]:
    return list(
        Quotation.objects.filter(status=QuotationStatus.SENT, valid_until__lt=timezone.localdate())
        .order_by("valid_until")
        .values_list("pk", flat=True)
    )


def hotel_list_invitable(*, quotation: Quotation) -> QuerySet[Hotel]:
    """Active hotels in the itinerary's cities that this quotation has not invited yet.

    A city matches by `city_key` (case, accents and spaces aside), as everywhere else.
    """
    cities = {city_key(city) for city in quotation.stays.values_list("city", flat=True)}
    candidates = Hotel.objects.filter(is_active=True).exclude(invitations__quotation=quotation)
    matching = [pk for pk, city in candidates.values_list("pk", "city") if city_key(city) in cities]
    return Hotel.objects.filter(pk__in=matching).order_by("name")


def exchange_factor(*, base: str, quote: str, on: datetime.date) -> Decimal | None:
    """What one unit of `base` is worth in `quote` on a day, or None without a rate."""
    if base == quote:
        return Decimal(1)
    direct = ExchangeRate.objects.filter(base=base, quote=quote, valid_from__lte=on).order_by("-valid_from").first()
    inverse = ExchangeRate.objects.filter(base=quote, quote=base, valid_from__lte=on).order_by("-valid_from").first()
    if direct and (inverse is None or direct.valid_from >= inverse.valid_from):
        return direct.rate
    if inverse:
        return Decimal(1) / inverse.rate
    return None


def exchange_factors(*, currencies: set[str], quote: str, on: datetime.date) -> dict[str, Decimal | None]:
    """`exchange_factor` of each currency into `quote`, every rate read in one query."""
    others = currencies - {quote}
    rates = ExchangeRate.objects.filter(
        Q(base__in=others, quote=quote) | Q(base=quote, quote__in=others), valid_from__lte=on
    ).order_by("-valid_from", "-pk")
    latest: dict[tuple[str, str], ExchangeRate] = {}
    for rate in rates:
        latest.setdefault((rate.base, rate.quote), rate)
    factors: dict[str, Decimal | None] = {currency: Decimal(1) for currency in currencies & {quote}}
    for currency in others:
        direct, inverse = latest.get((currency, quote)), latest.get((quote, currency))
        if direct and (inverse is None or direct.valid_from >= inverse.valid_from):
            factors[currency] = direct.rate
        else:
            factors[currency] = Decimal(1) / inverse.rate if inverse else None
    return factors


def bid_list_standing(*, quotation: Quotation) -> list[HotelBid]:
    """Active bids of invitations still standing (not declined, not withdrawn), oldest first.

    Expired bids are included: the pricing leaves them out (`offer_valid_on`),
    the comparison lists them apart.
    """
    return list(
        HotelBid.objects.filter(invitation__quotation=quotation, status=BidStatus.ACTIVE)
        .exclude(invitation__status__in=[InvitationStatus.DECLINED, InvitationStatus.WITHDRAWN])
        .select_related("invitation__hotel")
        .prefetch_related("lines")
        .order_by("created_at", "pk")
    )


def offer_from_bid(bid: HotelBid) -> Offer:
    """The pricing's plain view of a bid (its lines prefetched)."""
    return Offer(
        bid_id=bid.pk,
        invitation_id=bid.invitation_id,
        hotel_id=bid.invitation.hotel_id,
        hotel_name=bid.invitation.hotel.name,
        hotel_stars=bid.invitation.hotel.stars,
        submitted_at=bid.created_at,
        valid_until=bid.valid_until,
        currency=bid.currency,
        lines={(line.stay_id, line.room_type): (line.nightly_rate, line.rooms_available) for line in bid.lines.all()},
    )


def offer_list_valid(*, quotation: Quotation, on: datetime.date) -> list[Offer]:
    """Standing active bids valid on `on`, as offers for the pricing."""
    offers = (offer_from_bid(bid) for bid in bid_list_standing(quotation=quotation))
    return [offer for offer in offers if offer_valid_on(offer=offer, on=on)]


def stay_needs(*, quotation: Quotation) -> list[StayNeed]:
    return [StayNeed(stay_id=s.pk, city=s.city, nights=s.nights) for s in quotation.stays.order_by("position")]


def extras_per_person(*, quotation: Quotation) -> Decimal:
    return quotation.extras.aggregate(total=Sum("amount_per_person"))["total"] or Decimal(0)


def pricing_current(*, quotation: Quotation) -> QuotationPricing | None:
    return quotation.pricings.filter(is_current=True).prefetch_related("choices__bid__invitation__hotel").first()


WARNING_AHEAD = datetime.timedelta(hours=24)


def invitation_list_due_bid_warning() -> list[HotelInvitation]:
    """Invitations without a bid whose round closes within 24 hours."""
    now = timezone.now()
    return list(
        HotelInvitation.objects.filter(
            quotation__status=QuotationStatus.BIDDING,
            quotation__bid_deadline__gt=now,
            quotation__bid_deadline__lte=now + WARNING_AHEAD,
            status__in=[InvitationStatus.INVITED, InvitationStatus.VIEWED],
        )
        .select_related("quotation", "hotel")
        .order_by("pk")
    )


def quotation_list_due_expiry_warning() -> list[Quotation]:
    """Sent quotes whose last valid day is today: they expire within 24 hours."""
    return list(
        Quotation.objects.filter(status=QuotationStatus.SENT, valid_until=timezone.localdate())
        .select_related("client")
        .order_by("pk")
    )


def room_latest_seq(*, quotation_id: int) -> int:
    """The sequence number of the room's newest event, 0 for a room without events."""
    return RoomEvent.objects.filter(quotation_id=quotation_id).aggregate(last=Max("seq"))["last"] or 0


# The audit actions of a hotel acting on its invitation, reported to staff in a digest.
HOTEL_ACTIVITY_ACTIONS = ("bid.submitted", "bid.revised", "invitation.declined")


def quotation_sendings_count(*, quotation: Quotation) -> int:
    """How many times the quote has been sent to the client, this sending included."""
    return QuotationLog.objects.filter(quotation=quotation, action="quotation.sent").count()


def quotation_changes_requests_count(*, quotation: Quotation) -> int:
    return QuotationLog.objects.filter(quotation=quotation, action="quotation.changes_requested").count()


def quotation_ids_with_hotel_activity(*, since: datetime.datetime) -> list[int]:
    """Quotations a hotel bid on, revised a bid on or declined since `since`."""
    return list(
        QuotationLog.objects.filter(action__in=HOTEL_ACTIVITY_ACTIONS, created_at__gte=since)
        .order_by("quotation_id")
        .values_list("quotation_id", flat=True)
        .distinct()
    )


def hotel_activity_digest_last(*, quotation: Quotation) -> EmailMessage | None:
    """The newest hotel activity digest queued for this quotation."""
    return (
        EmailMessage.objects.filter(
            template=EmailTemplate.HOTEL_ACTIVITY, dedupe_key__startswith=f"hotel_activity:quotation:{quotation.pk}:"
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def hotel_activity_list(*, quotation: Quotation, after_log_id: int, since: datetime.datetime) -> list[QuotationLog]:
    """The hotels' audit entries newer than `after_log_id` (and `since`), oldest first."""
    return list(
        QuotationLog.objects.filter(
            quotation=quotation, action__in=HOTEL_ACTIVITY_ACTIONS, pk__gt=after_log_id, created_at__gte=since
        ).order_by("pk")
    )


def quotation_list_bidding_ended_unpriced(*, since: datetime.datetime) -> list[Quotation]:
    """Quotations whose bid deadline passed since `since` and that have no current pricing yet."""
    return list(
        Quotation.objects.filter(
            status__in=[QuotationStatus.BIDDING, QuotationStatus.QUOTED],
            bid_deadline__lte=timezone.now(),
            bid_deadline__gt=since,
        )
        .exclude(pricings__is_current=True)
        .select_related("owner")
        .order_by("bid_deadline", "pk")
    )


def quotation_counts_by_status() -> dict[str, int]:
    """How many quotations are in each status, every status present (zero included)."""
    counts = dict(Quotation.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in QuotationStatus.values}


def bids_received_count() -> int:
    """Every bid a hotel has submitted, each revision counted."""
    return HotelBid.objects.count()


def room_events_count() -> int:
    """Every event recorded in a quotation's room (each one published once)."""
    return RoomEvent.objects.count()
