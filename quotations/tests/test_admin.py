import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.factories import HotelUserFactory, StaffFactory
from accounts.models import Role, User
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, quotation_make
from quotations.models import (
    Client,
    Hotel,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    Quotation,
    QuotationLog,
    QuotationStatus,
    QuotationStay,
    ReferenceCounter,
    RoomEvent,
    RoomMessage,
    RoomType,
)
from quotations.services import (
    BidLineInput,
    bid_submit,
    message_post,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [User, Client, Hotel, Quotation, QuotationStay, HotelInvitation, HotelBid, HotelBidLine, QuotationLog]
ADMIN_MODELS += [ReferenceCounter]


@pytest.fixture
def staff():
    return StaffFactory(is_superuser=True)


@pytest.fixture
def browser(client, staff):
    """The admin as a superuser reading it in English, so messages can be compared exactly."""
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def demo(staff):
    """One row of every model, made the way the product makes them."""
    hotel_user = HotelUserFactory()
    hotel = HotelFactory(city="Sevilla", members=[hotel_user])
    quotation = quotation_make(owner=staff, client=ClientFactory(contacts=[]))
    [invitation] = quotation_invite_hotels(
        quotation=quotation, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=7)
    )
    line = BidLineInput(
        stay_id=quotation.stays.get().pk, room_type=RoomType.DOUBLE, nightly_rate=Decimal("95.00"), rooms_available=9
    )
    bid_submit(
        invitation=invitation,
        lines=[line],
        currency="EUR",
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        by=hotel_user,
    )
    return quotation


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def action(browser, name: str, *quotations, **extra):
    data = {"action": name, "_selected_action": [q.pk for q in quotations], **extra}
    return browser.post(url(Quotation, "changelist"), data)


def shown(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_model_is_registered_and_its_pages_open(browser, demo, model):
    assert model in admin.site._registry

    changelist = browser.get(url(model, "changelist"))
    change = browser.get(url(model, "change", model.objects.order_by("pk").first().pk))

    assert (changelist.status_code, change.status_code) == (200, 200)


def test_quotation_add_goes_to_the_staff_creation_page_and_writes_nothing(browser, staff):
    arrival = timezone.localdate() + datetime.timedelta(days=30)
    data = {
        "client": ClientFactory().pk,
        "owner": staff.pk,
        "group_name": "Colegio Santa Ana",
        "arrival": arrival.isoformat(),
        "departure": (arrival + datetime.timedelta(days=5)).isoformat(),
        "pax": 20,
        "doubles": 10,
    }

    page = browser.get(url(Quotation, "add"))
    posted = browser.post(url(Quotation, "add"), data)

    assert (page.status_code, page["Location"]) == (302, reverse("staff:quotation_create"))
    assert (posted.status_code, posted["Location"]) == (302, reverse("staff:quotation_create"))
    assert (Quotation.objects.count(), QuotationLog.objects.count(), ReferenceCounter.objects.count()) == (0, 0, 0)


def _change_data(page, **changes) -> dict:
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    return {**data, **changes}


def test_margin_edit_while_quoted_retires_the_pricing_so_the_old_price_cannot_be_sent(browser, staff, bidding_round):
    # given: a quoted quote priced at 17.35 %
    quotation = bidding_round.quotation
    bidding_round.close()
    quotation_price(quotation=quotation, by=staff)
    page = browser.get(url(Quotation, "change", quotation.pk))

    # when: the margin is changed in the admin
    response = browser.post(url(Quotation, "change", quotation.pk), _change_data(page, margin_percent="25.00"))

    # then: no pricing is current, and sending is refused until the quote is priced again
    assert response.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.margin_percent, quotation.status) == (Decimal("25.00"), QuotationStatus.QUOTED)
    assert not quotation.pricings.filter(is_current=True).exists()
    edited = quotation.log.get(action="quotation.edited")
    assert edited.data == {"fields": ["margin_percent"], "pricing_retired": True}
    with pytest.raises(QuotationError) as refused:
        quotation_send(quotation=quotation, valid_until=timezone.localdate() + datetime.timedelta(days=5), by=staff)
    assert refused.value.code == "not_priced"


def test_client_and_margin_are_read_only_once_the_quote_is_sent(browser, staff, demo):
    quotation = demo
    Quotation.objects.filter(pk=quotation.pk).update(status=QuotationStatus.SENT)

    page = browser.get(url(Quotation, "change", quotation.pk))

    form = page.context["adminform"].form
    assert "margin_percent" not in form.fields
    assert "client" not in form.fields
    assert "group_name" in form.fields


def test_quotation_change_keeps_status_read_only_and_logs_the_edit(browser, staff, demo):
    quotation = demo
    page = browser.get(url(Quotation, "change", quotation.pk))
    data = _change_data(page, group_name="Peregrinación a Fátima", status="cancelled", reference="X-1")

    response = browser.post(url(Quotation, "change", quotation.pk), data)

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.group_name, quotation.status) == ("Peregrinación a Fátima", QuotationStatus.BIDDING)
    assert (quotation.invitations.count(), HotelBid.objects.count(), HotelBidLine.objects.count()) == (1, 1, 1)
    assert quotation.reference.startswith("Q-")
    edited = quotation.log.get(action="quotation.edited")
    assert (edited.actor, edited.data) == (staff, {"fields": ["group_name"]})


def test_margin_is_hidden_from_staff_below_the_margin_level(client, settings):
    settings.MARGIN_VISIBLE_FROM_LEVEL = 5
    agent = StaffFactory(staff_level=4)
    agent.user_permissions.set(Permission.objects.filter(codename__in=["view_quotation", "change_quotation"]))
    quotation = quotation_make()
    client.force_login(agent)

    page = client.get(url(Quotation, "change", quotation.pk))

    assert page.status_code == 200
    assert "margin_percent" not in page.context["adminform"].form.fields
    assert b"margin_percent" not in page.content


def test_invite_hotels_lists_active_hotels_of_the_itinerary_cities(browser, staff):
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 3), ("Granada", 2)))
    sevilla = HotelFactory(city="Sevilla")
    granada = HotelFactory(city="GRANADA")
    HotelFactory(city="Sevilla", is_active=False)
    HotelFactory(city="Madrid")

    earliest = timezone.now() + datetime.timedelta(days=7)

    response = action(browser, "invite_hotels", quotation, index=0)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/quotations/quotation/invite_hotels.html"
    form = response.context["form"]
    assert set(form.fields["hotels"].queryset) == {sevilla, granada}
    assert earliest <= form.initial["bid_deadline"] <= timezone.now() + datetime.timedelta(days=7)
    assert quotation.invitations.count() == 0


def test_invite_hotels_submit_invites_exactly_the_chosen_hotels(browser, staff):
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 3), ("Granada", 2)))
    first, second, _third = HotelFactory.create_batch(3, city="Sevilla")
    granada = HotelFactory(city="Granada")
    deadline = timezone.localtime() + datetime.timedelta(days=10)
    deadline = deadline.replace(second=0, microsecond=0)

    response = action(
        browser,
        "invite_hotels",
        quotation,
        post="yes",
        hotels=[first.pk, granada.pk],
        bid_deadline=deadline.strftime("%Y-%m-%dT%H:%M"),
    )

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.status, quotation.bid_deadline) == (QuotationStatus.BIDDING, deadline)
    invitations = HotelInvitation.objects.filter(quotation=quotation)
    assert sorted(invitations.values_list("hotel_id", flat=True)) == sorted([first.pk, granada.pk])
    assert invitations.count() == 2
    assert second.invitations.count() == 0
    assert shown(response) == [(messages.SUCCESS, f"{quotation.reference}: 2 hotels invited.")]


def test_invite_hotels_refuses_more_than_one_quotation(browser, staff):
    one, two = quotation_make(owner=staff), quotation_make(owner=staff)
    HotelFactory(city="Sevilla")

    response = action(browser, "invite_hotels", one, two, index=0)

    assert response.status_code == 302
    assert shown(response) == [(messages.ERROR, "Select exactly one quotation to invite hotels.")]
    assert HotelInvitation.objects.count() == 0
    assert set(Quotation.objects.values_list("status", flat=True)) == {QuotationStatus.DRAFT}


def test_close_bidding_moves_bidding_to_quoted_and_logs_it(browser, staff):
    quotation = quotation_make(owner=staff)
    quotation_invite_hotels(
        quotation=quotation,
        hotels=[HotelFactory(city="Sevilla")],
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=3),
    )
    log_rows = QuotationLog.objects.count()

    response = action(browser, "close_bidding", quotation, index=0)

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.QUOTED
    assert QuotationLog.objects.count() == log_rows + 1
    entry = quotation.log.get(action="quotation.bidding_closed")
    assert (entry.actor, entry.data) == (staff, {"from": "bidding", "to": "quoted"})
    assert shown(response) == [(messages.SUCCESS, f"{quotation.reference}: bidding closed.")]


def test_send_to_client_on_a_draft_is_refused_and_changes_nothing(browser, staff):
    quotation = quotation_make(owner=staff)
    log_rows = QuotationLog.objects.count()

    response = action(browser, "send_to_client", quotation, index=0)

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.status, quotation.valid_until) == (QuotationStatus.DRAFT, None)
    assert QuotationLog.objects.count() == log_rows
    expected = f"{quotation.reference}: A quotation in status “Draft” cannot become “Sent to client”."
    assert shown(response) == [(messages.ERROR, expected)]


def test_quotation_log_admin_refuses_add_change_and_delete(browser, staff, rf):
    quotation = quotation_make(owner=staff)
    entry = QuotationLog.objects.get(quotation=quotation)
    request = rf.get("/")
    request.user = staff
    log_admin = admin.site._registry[QuotationLog]

    permissions = (
        log_admin.has_add_permission(request),
        log_admin.has_change_permission(request, entry),
        log_admin.has_delete_permission(request, entry),
    )
    delete = browser.post(url(QuotationLog, "delete", entry.pk), {"post": "yes"})
    change = browser.post(url(QuotationLog, "change", entry.pk), {"action": "tampered"})
    add = browser.get(url(QuotationLog, "add"))

    assert permissions == (False, False, False)
    assert (delete.status_code, change.status_code, add.status_code) == (403, 403, 403)
    entry.refresh_from_db()
    assert (entry.action, QuotationLog.objects.count()) == ("quotation.created", 1)


def test_user_add_page_needs_a_level_for_staff_and_stores_a_hashed_password(browser):
    data = {
        "email": "Ana.Ruiz@SpiritTours.example",
        "full_name": "Ana Ruiz",
        "role": Role.STAFF,
        "language": "es",
        "usable_password": "true",
        "password1": "peregrinos-2026!",
        "password2": "peregrinos-2026!",
    }

    refused = browser.post(url(User, "add"), data)
    created = browser.post(url(User, "add"), {**data, "staff_level": 3})

    assert refused.context["adminform"].form.errors == {
        "staff_level": ["Staff members need a permission level from 1 to 10."]
    }
    assert created.status_code == 302
    user = User.objects.get(full_name="Ana Ruiz")
    assert (user.email, user.role, user.staff_level) == ("ana.ruiz@spirittours.example", Role.STAFF, 3)
    assert user.check_password("peregrinos-2026!")


@pytest.fixture
def two_rooms(staff, demo):
    """Two quotations with a conversation each: `demo` (staff to the hotels, the hotel's question) and another."""
    hotel = demo.invitations.get().hotel
    message_post(quotation=demo, author=staff, body="¿Tienen garaje para el autocar?", audience="hotels")
    message_post(quotation=demo, author=hotel.members.get(), body="Sí, para dos autocares.", audience="staff")
    other = quotation_make(owner=staff, group_name="Colegio Otra Sala")
    quotation_invite_hotels(
        quotation=other, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=7)
    )
    message_post(quotation=other, author=staff, body="Mensaje de otra sala", audience="hotels")
    return SimpleNamespace(demo=demo, other=other)


def test_room_messages_are_listed_for_one_quotation_from_its_change_page(browser, two_rooms):
    demo, other = two_rooms.demo, two_rooms.other

    change = browser.get(url(Quotation, "change", demo.pk))
    filtered = browser.get(f"{url(RoomMessage, 'changelist')}?quotation__id__exact={demo.pk}")
    searched = browser.get(url(RoomMessage, "changelist"), {"q": other.reference})
    opened = browser.get(url(RoomMessage, "change", RoomMessage.objects.filter(quotation=demo).first().pk))

    html = change.content.decode()
    assert f'{url(RoomMessage, "changelist")}?quotation__id__exact={demo.pk}">Messages (2)</a>' in html
    assert f'?quotation__id__exact={demo.pk}">Events ({demo.room_events.count()})</a>' in html
    assert filtered.status_code == searched.status_code == opened.status_code == 200
    assert [m.body for m in filtered.context["cl"].result_list] == [
        "Sí, para dos autocares.",
        "¿Tienen garaje para el autocar?",
    ]
    assert [m.body for m in searched.context["cl"].result_list] == ["Mensaje de otra sala"]
    assert "¿Tienen garaje para el autocar?" in opened.content.decode()


def test_room_events_are_listed_for_one_quotation_in_order(browser, two_rooms):
    demo = two_rooms.demo
    expected = list(RoomEvent.objects.filter(quotation=demo).order_by("-seq").values_list("seq", "kind"))

    filtered = browser.get(f"{url(RoomEvent, 'changelist')}?quotation__id__exact={demo.pk}")
    searched = browser.get(url(RoomEvent, "changelist"), {"q": demo.reference})
    opened = browser.get(url(RoomEvent, "change", RoomEvent.objects.filter(quotation=demo).last().pk))

    assert filtered.status_code == searched.status_code == opened.status_code == 200
    assert [(e.seq, e.kind) for e in filtered.context["cl"].result_list] == expected
    assert [(e.seq, e.kind) for e in searched.context["cl"].result_list] == expected
    assert expected[0][1] == "message.posted" and len(expected) >= 3


@pytest.mark.parametrize("model", [RoomMessage, RoomEvent], ids=lambda model: model.__name__)
def test_room_admins_refuse_add_change_and_delete(browser, two_rooms, model):
    row = model.objects.filter(quotation=two_rooms.demo).order_by("pk").first()
    before = list(model.objects.order_by("pk").values())

    add = browser.post(url(model, "add"), {"quotation": two_rooms.demo.pk, "body": "x", "kind": "x"})
    change = browser.post(url(model, "change", row.pk), {"body": "tampered", "kind": "tampered"})
    delete = browser.post(url(model, "delete", row.pk), {"post": "yes"})
    bulk = browser.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk]})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk.status_code == 200  # no delete action: the list shows again, nothing done
    assert list(model.objects.order_by("pk").values()) == before


def test_free_places_edited_in_the_admin_retire_the_pricing(browser, staff, bidding_round):
    # given: a priced quote
    quotation = bidding_round.quotation
    bidding_round.close()
    quotation_price(quotation=quotation, by=staff)
    page = browser.get(url(Quotation, "change", quotation.pk))

    # when: one free place per 10 paying travellers is set in the admin
    response = browser.post(url(Quotation, "change", quotation.pk), _change_data(page, free_place_every="10"))

    # then: stored through quotation_update, and the quote must be priced again
    assert response.status_code == 302
    quotation.refresh_from_db()
    assert quotation.free_place_every == 10
    assert not quotation.pricings.filter(is_current=True).exists()
    assert quotation.log.get(action="quotation.edited").data == {
        "fields": ["free_place_every"],
        "pricing_retired": True,
    }
