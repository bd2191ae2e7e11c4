import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import ClientContactFactory, HotelUserFactory
from quotations.errors import QuotationError
from quotations.events import StatusChanged
from quotations.factories import HotelFactory, quotation_make
from quotations.models import RoomEvent, RoomMessage
from quotations.services import invitation_withdraw, message_post, room_event_record


def test_every_change_is_a_room_event_in_order(bidding_round):
    r = bidding_round
    kinds = list(RoomEvent.objects.filter(quotation=r.quotation).order_by("seq").values_list("kind", flat=True))
    assert kinds[:2] == ["status.changed", "deadline.changed"]
    assert kinds.count("invitation.created") == 5
    assert kinds.count("bid.submitted") == 5
    seqs = list(RoomEvent.objects.filter(quotation=r.quotation).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.django_db(transaction=True)
def test_room_event_outside_a_transaction_is_refused():
    quotation = quotation_make()
    events = RoomEvent.objects.count()
    with pytest.raises(RuntimeError):
        room_event_record(quotation=quotation, event=StatusChanged(from_="draft", to="bidding"))
    assert RoomEvent.objects.count() == events


@pytest.mark.parametrize(
    ("author", "audience", "hotel_key", "error"),
    [
        ("staff", "staff", None, "audience"),
        ("staff", "hotel", None, "hotel"),
        ("staff", "hotel", "stranger", "hotel"),
        ("uninvited", "staff", None, "forbidden"),
        ("stranger_client", "staff", None, "forbidden"),
    ],
)
def test_who_may_write_to_whom(bidding_round, author, audience, hotel_key, error):
    r = bidding_round
    uninvited = HotelUserFactory()
    stranger_hotel = HotelFactory(city="Sevilla", members=[uninvited])
    users = {"staff": r.staff, "uninvited": uninvited, "stranger_client": ClientContactFactory()}
    hotel = {"stranger": stranger_hotel}.get(hotel_key)
    events = RoomEvent.objects.count()
    with pytest.raises(QuotationError) as refused:
        message_post(quotation=r.quotation, author=users[author], body="Hola", audience=audience, hotel=hotel)
    assert error in {refused.value.field, refused.value.code}
    assert (RoomMessage.objects.count(), RoomEvent.objects.count()) == (0, events)


def test_hotel_questions_always_go_to_staff_and_carry_the_hotel(bidding_round):
    r = bidding_round
    message = message_post(quotation=r.quotation, author=r.users["delta"], body="¿Hay cena?", audience="hotels")
    assert (message.audience, message.hotel, message.author_kind) == ("staff", r.hotels["delta"], "hotel")


def test_withdrawn_hotel_can_no_longer_write_or_open_the_portal(bidding_round):
    r = bidding_round
    invitation_withdraw(invitation=r.invitations["cenit"], reason="Fuera de plazo", by=r.staff)
    with pytest.raises(QuotationError):
        message_post(quotation=r.quotation, author=r.users["cenit"], body="¿Hola?", audience="staff")
    http = HttpClient()
    http.force_login(r.users["cenit"])
    assert http.get(reverse("portal:invitation", kwargs={"token": r.invitations["cenit"].token})).status_code == 404
    assert r.quotation.reference not in http.get(reverse("portal:home")).content.decode()


def test_message_pages_post_and_show_only_what_each_may_read(bidding_round):
    r = bidding_round
    staff, delta, estrella = HttpClient(), HttpClient(), HttpClient()
    staff.force_login(r.staff)
    delta.force_login(r.users["delta"])
    estrella.force_login(r.users["estrella"])
    delta_url = reverse("portal:invitation", kwargs={"token": r.invitations["delta"].token})
    estrella_url = reverse("portal:invitation", kwargs={"token": r.invitations["estrella"].token})
    posted = delta.post(
        reverse("portal:message", kwargs={"token": r.invitations["delta"].token}), {"body": "Pregunta privada de Delta"}
    )
    staff.post(
        reverse("staff:message", kwargs={"pk": r.quotation.pk}),
        {"audience": "hotel", "hotel": r.hotels["delta"].pk, "body": "Respuesta solo para Delta"},
    )
    empty = delta.post(reverse("portal:message", kwargs={"token": r.invitations["delta"].token}), {"body": "  "})
    assert posted.status_code == 302 and empty.status_code == 400
    assert RoomMessage.objects.count() == 2
    delta_page = delta.get(delta_url).content.decode()
    estrella_page = estrella.get(estrella_url).content.decode()
    staff_page = staff.get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk})).content.decode()
    assert "Pregunta privada de Delta" in delta_page and "Respuesta solo para Delta" in delta_page
    assert "Pregunta privada de Delta" not in estrella_page and "Respuesta solo para Delta" not in estrella_page
    assert "Pregunta privada de Delta" in staff_page and "Respuesta solo para Delta" in staff_page
