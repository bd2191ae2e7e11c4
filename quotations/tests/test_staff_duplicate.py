"""Duplicating a quotation as a new draft for another arrival date."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory
from notifications.models import EmailMessage
from quotations.errors import QuotationError
from quotations.models import HotelInvitation, Quotation, QuotationLog, QuotationStatus
from quotations.services import quotation_duplicate


def _http(user) -> HttpClient:
    http = HttpClient(headers={"accept-language": "en"})
    http.force_login(user)
    return http


def test_a_duplicate_is_a_draft_of_the_same_trip_for_the_new_dates_with_nobody_invited(bidding_round):
    # given a quotation in bidding with extras, five hotels invited and one with a stay's own meal plan
    r = bidding_round
    r.quotation.stays.filter(city="Granada").update(meal_plan="HB")
    colleague = StaffFactory(full_name="Pedro Ventas")
    arrival = r.quotation.arrival + datetime.timedelta(days=364)
    emails_before = EmailMessage.objects.exclude(template="quotation_created").count()
    # when
    copy = quotation_duplicate(quotation=r.quotation, arrival=arrival, by=colleague)
    # then: the same group, rooms, itinerary, terms and extras, on the new dates, as a draft of the colleague
    original = r.quotation
    assert copy.pk != original.pk and copy.reference != original.reference
    assert (copy.status, copy.owner, copy.client, copy.group_name) == (
        QuotationStatus.DRAFT,
        colleague,
        original.client,
        original.group_name,
    )
    assert (copy.arrival, copy.departure) == (arrival, arrival + (original.departure - original.arrival))
    assert (copy.pax, copy.singles, copy.doubles, copy.twins, copy.triples) == (20, 2, 9, 0, 0)
    assert (copy.meal_plan, copy.currency, copy.margin_percent) == (
        original.meal_plan,
        original.currency,
        Decimal("17.35"),
    )
    assert list(copy.stays.values_list("city", "nights", "meal_plan")) == [
        ("Sevilla", 3, ""),
        ("Granada", 2, "HB"),
    ]
    assert list(copy.extras.order_by("id").values_list("kind", "description", "amount_per_person")) == [
        ("guide", "Guía acompañante", Decimal("12.50")),
        ("entrance", "Entrada a la Alhambra", Decimal("8.00")),
    ]
    # and nothing is invited, bid, priced or emailed to a hotel; the original is untouched
    assert (copy.invitations.count(), copy.pricings.count(), copy.bid_deadline) == (0, 0, None)
    assert EmailMessage.objects.exclude(template="quotation_created").count() == emails_before
    assert original.invitations.count() == 5
    entry = QuotationLog.objects.get(quotation=copy, action="quotation.duplicated")
    assert (entry.actor, entry.data) == (
        colleague,
        {"source": original.pk, "reference": original.reference, "extras": 2},
    )


def test_the_new_drafts_invite_form_has_the_previous_hotels_ticked(bidding_round):
    r = bidding_round
    http = _http(r.staff)
    arrival = timezone.localdate() + datetime.timedelta(days=120)
    response = http.post(
        reverse("staff:duplicate", kwargs={"pk": r.quotation.pk}), {"duplicate-arrival": arrival.isoformat()}
    )
    copy = Quotation.objects.exclude(pk=r.quotation.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:quotation", kwargs={"pk": copy.pk})
    page = http.get(response["Location"])
    form = page.context["invite_form"]
    assert sorted(form.initial["hotels"]) == sorted(h.pk for h in r.hotels.values())
    ticked = [c for c in form["hotels"] if c.data["selected"]]
    assert len(ticked) == 5
    assert not HotelInvitation.objects.filter(quotation=copy).exists()


@pytest.mark.parametrize("arrival", ["", "not a date", "2000-01-01"])
def test_a_bad_arrival_is_a_field_error_and_creates_nothing(bidding_round, arrival):
    r = bidding_round
    before = (Quotation.objects.count(), QuotationLog.objects.count())
    url = reverse("staff:duplicate", kwargs={"pk": r.quotation.pk})
    response = _http(r.staff).post(url, {"duplicate-arrival": arrival})
    assert response.status_code == 400
    assert "arrival" in response.context["duplicate_form"].errors
    assert (Quotation.objects.count(), QuotationLog.objects.count()) == before


def test_only_staff_duplicate(bidding_round):
    r = bidding_round
    with pytest.raises(QuotationError):
        quotation_duplicate(
            quotation=r.quotation, arrival=timezone.localdate() + datetime.timedelta(days=90), by=r.contact
        )
    assert Quotation.objects.count() == 1


def test_a_closed_quotation_can_be_duplicated_too(bidding_round):
    r = bidding_round
    Quotation.objects.filter(pk=r.quotation.pk).update(status=QuotationStatus.CANCELLED)  # test-only write
    r.quotation.refresh_from_db()
    page = _http(r.staff).get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk}))
    assert reverse("staff:duplicate", kwargs={"pk": r.quotation.pk}) in page.content.decode()
    copy = quotation_duplicate(
        quotation=r.quotation, arrival=timezone.localdate() + datetime.timedelta(days=90), by=r.staff
    )
    assert copy.status == QuotationStatus.DRAFT
