"""Writes of the automatic quotation: extras, and pricing a quote from its bids."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from quotations.errors import QuotationError
from quotations.events import QuoteComputed
from quotations.models import (
    ExtraKind,
    Quotation,
    QuotationExtra,
    QuotationPricing,
    QuotationPricingChoice,
    QuotationStatus,
)
from quotations.pricing import PriceResult, RoomPrice, cents, price_compute
from quotations.selectors import exchange_factors, extras_per_person, offer_list_valid, stay_needs
from quotations.services.access import staff_require
from quotations.services.audit import quotation_log
from quotations.services.quotations import quotation_lock, quotation_transition
from quotations.services.room import room_event_record
from quotations.workflow import Action, action_check

S = QuotationStatus
MAX_EXTRA_PER_PERSON = Decimal("100000")


def quotation_extra_add(
    *, quotation: Quotation, kind: str, description: str, amount_per_person: Decimal, by: User
) -> QuotationExtra:
    """Add a per-person service (guide, coach, entrance fees) in the quotation's currency."""
    staff_require(by)
    if kind not in ExtraKind.values:
        raise QuotationError(_("Choose a kind from the list."), field="kind")
    if not description.strip():
        raise QuotationError(_("Describe the service; the client sees this text."), field="description")
    if not amount_per_person.is_finite() or amount_per_person < 0 or amount_per_person.as_tuple().exponent < -2:
        raise QuotationError(_("Enter an amount of zero or more with at most 2 decimals."), field="amount_per_person")
    if amount_per_person > MAX_EXTRA_PER_PERSON:
        raise QuotationError(_("This amount per person is too large."), field="amount_per_person")
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        action_check(Action.EDIT_EXTRAS, locked.status)
        extra = QuotationExtra.objects.create(
            quotation=locked, kind=kind, description=description.strip(), amount_per_person=amount_per_person
        )
        quotation_log(
            quotation=locked,
            action="extra.added",
            actor=by,
            data={"extra": extra.pk, "kind": kind, "amount_per_person": str(amount_per_person)},
        )
    return extra


def quotation_extra_remove(*, extra: QuotationExtra, by: User) -> None:
    staff_require(by)
    with transaction.atomic():
        locked = quotation_lock(quotation=extra.quotation)
        action_check(Action.EDIT_EXTRAS, locked.status)
        quotation_log(quotation=locked, action="extra.removed", actor=by, data={"extra": extra.pk})
        extra.delete()


def _breakdown(result: PriceResult) -> dict:
    stays = []
    for choice in result.choices:
        lines = []
        for (stay_id, room_type), (rate, _available) in sorted(choice.offer.lines.items()):
            if stay_id != choice.stay.stay_id:
                continue
            lines.append(
                {
                    "room_type": room_type,
                    "nightly_rate": str(rate),
                    "nightly_rate_converted": str(cents(rate * choice.factor)),
                }
            )
        stays.append(
            {
                "stay": choice.stay.stay_id,
                "city": choice.stay.city,
                "nights": choice.stay.nights,
                "hotel": choice.offer.hotel_id,
                "hotel_name": choice.offer.hotel_name,
                "bid": choice.offer.bid_id,
                "bid_currency": choice.offer.currency,
                "factor": str(choice.factor),
                "lines": lines,
                "cost": str(cents(choice.cost)),
                "overridden": choice.overridden,
            }
        )
    return {
        "stays": stays,
        "pax": result.pax,
        "free_place_every": result.free_place_every,
        "free_places": result.free_places,
        "paying": result.paying,
        "cost_per_person_exact": str(result.cost_per_person),
    }


def room_prices_frozen(room_prices: dict[str, RoomPrice]) -> dict[str, dict]:
    """The client's lines as JSON: who sleeps in each room type and what each paying traveller pays."""
    return {
        room: {
            "rooms": line.rooms,
            "travellers": line.travellers,
            "free": line.free,
            "paying": line.paying,
            "per_person": str(line.per_person),
            "total": str(line.total),
        }
        for room, line in room_prices.items()
    }


def quotation_price_preview(
    *, quotation: Quotation, margin_percent: Decimal | None = None, overrides: dict[int, int] | None = None
) -> PriceResult:
    """Compute the quote from the valid bids without writing anything."""
    margin = quotation.margin_percent if margin_percent is None else margin_percent
    if not margin.is_finite() or not Decimal(0) <= margin <= Decimal(100) or margin.as_tuple().exponent < -2:
        raise QuotationError(_("The margin must be between 0 and 100 %, with at most 2 decimals."), field="margin")
    today = timezone.localdate()
    offers = offer_list_valid(quotation=quotation, on=today)
    factors = exchange_factors(currencies={offer.currency for offer in offers}, quote=quotation.currency, on=today)
    return price_compute(
        currency=quotation.currency,
        pax=quotation.pax,
        rooms=quotation.room_mix,
        stays=stay_needs(quotation=quotation),
        offers=offers,
        margin_percent=margin,
        extras_per_person=extras_per_person(quotation=quotation),
        factor_for=factors.get,
        overrides=overrides,
        free_place_every=quotation.free_place_every,
    )


def quotation_price(
    *,
    quotation: Quotation,
    by: User,
    margin_percent: Decimal | None = None,
    overrides: dict[int, int] | None = None,
) -> QuotationPricing:
    """Run the automatic quotation and keep its result as the current pricing.

    Picks the best valid bid per stay (or the bid staff chose), applies the
    margin and extras, and freezes every figure. A quote that came back for
    changes or expired becomes `quoted` again.
    """
    staff_require(by)
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        target = action_check(Action.PRICE, locked.status)
        result = quotation_price_preview(quotation=locked, margin_percent=margin_percent, overrides=overrides)
        if result.missing:
            raise QuotationError(
                _("No complete, valid bid for: %(cities)s.") % {"cities": ", ".join(s.city for s in result.missing)},
                code="no_offer",
            )
        if target is not None:
            quotation_transition(quotation=locked, target=target, by=by, action="quotation.revised")
        if result.margin_percent != locked.margin_percent:
            locked.margin_percent = result.margin_percent
            locked.save(update_fields=["margin_percent", "updated_at"])
        locked.pricings.filter(is_current=True).update(is_current=False)
        pricing = QuotationPricing.objects.create(
            quotation=locked,
            currency=result.currency,
            margin_percent=result.margin_percent,
            hotel_cost_total=cents(result.hotel_cost_total),
            extras_per_person=cents(result.extras_per_person),
            cost_per_person=cents(result.cost_per_person),
            price_per_person=result.price_per_person,
            price_total=result.price_total,
            room_prices=room_prices_frozen(result.room_prices),
            breakdown=_breakdown(result),
            bids_valid_until=result.bids_valid_until,
            computed_by=by,
        )
        QuotationPricingChoice.objects.bulk_create(
            QuotationPricingChoice(
                pricing=pricing,
                stay_id=choice.stay.stay_id,
                bid_id=choice.offer.bid_id,
                overridden=choice.overridden,
                cost=cents(choice.cost),
            )
            for choice in result.choices
        )
        quotation_log(
            quotation=locked,
            action="quote.computed",
            actor=by,
            data={
                "pricing": pricing.pk,
                "price_per_person": str(pricing.price_per_person),
                "overrides": {str(k): v for k, v in (overrides or {}).items()},
            },
        )
        room_event_record(
            quotation=locked,
            event=QuoteComputed(
                pricing=pricing.pk, price_per_person=str(pricing.price_per_person), currency=pricing.currency
            ),
        )
    quotation.refresh_from_db()
    return pricing
