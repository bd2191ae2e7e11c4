import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import StaffFactory
from quotations.models import ExchangeRate
from quotations.services import quotation_price


def _admin(*permissions: str, **staff):
    user = StaffFactory(**staff)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    http = HttpClient()
    http.force_login(user)
    return http


def test_pricing_admin_hides_the_margin_below_the_level(bidding_round, settings):
    settings.MARGIN_VISIBLE_FROM_LEVEL = 5
    bidding_round.close()
    pricing = quotation_price(quotation=bidding_round.quotation, by=bidding_round.staff)
    url = reverse("admin:quotations_quotationpricing_change", args=[pricing.pk])
    junior = _admin("view_quotationpricing", staff_level=3).get(url)
    senior = _admin("view_quotationpricing", staff_level=8).get(url)
    assert (junior.status_code, senior.status_code) == (200, 200)
    assert "17,35" not in junior.content.decode() and "17.35" not in junior.content.decode()
    assert "17,35" in senior.content.decode()


def test_pricing_is_read_only_in_the_admin(bidding_round):
    bidding_round.close()
    pricing = quotation_price(quotation=bidding_round.quotation, by=bidding_round.staff)
    http = _admin(is_superuser=True)
    response = http.post(reverse("admin:quotations_quotationpricing_delete", args=[pricing.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert pricing.__class__.objects.filter(pk=pricing.pk).exists()


@pytest.mark.django_db
def test_staff_maintain_exchange_rates_and_bad_rates_are_refused():
    http = _admin(is_superuser=True)
    url = reverse("admin:quotations_exchangerate_add")
    ok = http.post(url, {"base": "USD", "quote": "EUR", "rate": "0.9150", "valid_from": "2026-11-01"})
    same = http.post(url, {"base": "EUR", "quote": "EUR", "rate": "1", "valid_from": "2026-11-01"})
    zero = http.post(url, {"base": "MXN", "quote": "EUR", "rate": "0", "valid_from": "2026-11-01"})
    assert ok.status_code == 302
    assert (same.status_code, zero.status_code) == (200, 200)  # the form again, with its error
    assert list(ExchangeRate.objects.values_list("base", "quote", "rate")) == [
        ("USD", "EUR", ExchangeRate.objects.get().rate)
    ]
    assert str(ExchangeRate.objects.get().rate) == "0.91500000"
