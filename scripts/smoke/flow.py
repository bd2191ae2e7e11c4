"""One quotation from request to payment, through the pages of the running web processes.

Staff (web A) create a quotation and invite both hotels of the city; each hotel follows the
link in its invitation email, signs in and bids (the first through web A while staff watch the
room on web B, the second through web B); staff close the bidding, run the automatic
quotation and send it; the client follows the link in the quote email, signs in (web B) and
approves; staff, their session now on web B, record the deposit's transfer: the booking is
confirmed and the quotation booked.
"""

import datetime
import json
import re
import secrets
from collections import Counter
from dataclasses import asdict, dataclass, field

from .browsing import Visitor, room_frame, room_open
from .progress import NotYet, Progress, SmokeFailure, wait_for
from .services import PUBLIC_HOST, MailSink, manage_json
from .stack import Stack


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    role: str


@dataclass(frozen=True)
class HotelPlan:
    name: str
    email: str  # where its invitations go
    member: Person  # who logs in to its portal
    single: str  # its nightly rates, which the hotel types into its bid
    double: str


STAFF = Person("smoke.ventas@spirittours.example", "Lucía Ventas", "staff")
CONTACT = Person("smoke.lider@parroquia.example", "Ignacio Líder", "client")
CLIENT = {"name": "Parroquia de San Gil (smoke)", "email": "grupos@parroquia.example"}
CITY = "Sevilla"
HOTELS = (
    HotelPlan(
        "Hotel Giralda Smoke",
        "reservas@giralda.example",
        Person("smoke.giralda@giralda.example", "Aurora Giralda", "hotel"),
        "81.40",
        "96.50",
    ),
    HotelPlan(
        "Hotel Triana Smoke",
        "reservas@triana.example",
        Person("smoke.triana@triana.example", "Boris Triana", "hotel"),
        "88.40",
        "104.80",
    ),
)
CHOSEN = HOTELS[0]  # the cheaper complete bid: the automatic quotation picks it

# What the flow emails, and to whom: (template, recipient).
EXPECTED_EMAILS = Counter(
    [
        ("quotation_created", STAFF.email),
        *(("hotel_invitation", hotel.email) for hotel in HOTELS),
        ("quotation_sent", CONTACT.email),
        ("quotation_approved", STAFF.email),
        ("quotation_approved", CONTACT.email),
        ("hotel_booking_request", CHOSEN.email),
        ("payment_received", CONTACT.email),
        ("booking_confirmed", CONTACT.email),
    ]
)

# Run in `manage.py shell`: the periodic jobs (install_schedules), every one of them due, as on a
# deployment that has run for a while, so beat sends each at its first tick instead of one
# interval later; then the people of the flow, with this run's password.
SETUP = """
import datetime, json, os
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from accounts.models import User
from quotations.models import Client, Hotel
call_command("install_schedules")
PeriodicTask.objects.update(last_run_at=timezone.now() - datetime.timedelta(days=1))
cast, password = json.loads(os.environ["SMOKE_CAST"]), os.environ["SMOKE_PASSWORD"]
def person(p, **extra):
    names = {"full_name": p["full_name"], "role": p["role"], "language": "en"}
    return User.objects.create_user(p["email"], password, **names, **extra)
person(cast["staff"], staff_level=8)
client = Client.objects.create(country="ES", language="en", **cast["client"])
client.contacts.add(person(cast["contact"]))
for plan in cast["hotels"]:
    hotel = Hotel.objects.create(name=plan["name"], city=cast["city"], country="ES", stars=4, email=plan["email"])
    hotel.members.add(person(plan["member"]))
print("SMOKE_JSON " + json.dumps(sorted(PeriodicTask.objects.values_list("task", flat=True))))
"""


@dataclass
class Flow:
    stack: Stack
    progress: Progress
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))  # everyone's, this run only
    jobs: list[str] = field(default_factory=list)  # the periodic jobs installed
    quotation_id: int = 0
    portal_paths: dict[str, str] = field(default_factory=dict)  # hotel email -> its invitation's page

    def visitor(self, who: str, web: str, address: str) -> Visitor:
        return Visitor(f"{who} (on {web})", port=self.stack.port(web), address=address)


def flow_setup(flow: Flow) -> None:
    cast = {
        "staff": asdict(STAFF),
        "contact": asdict(CONTACT),
        "client": CLIENT,
        "city": CITY,
        "hotels": [asdict(hotel) for hotel in HOTELS],
    }
    env = {**flow.stack.env, "SMOKE_CAST": json.dumps(cast), "SMOKE_PASSWORD": flow.password}
    flow.jobs = manage_json(env, SETUP)


# --- Emails --------------------------------------------------------------------------------------


def mail_body(message) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def mail_pdfs(message) -> list[str]:
    return [part.get_filename() for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]


def mail_wait(sink: MailSink, to: str, pattern: str, *, what: str) -> tuple[object, re.Match]:
    """The first message to `to` whose text matches `pattern` (the link it must carry)."""

    def probe():
        for message in sink.to(to):
            match = re.search(pattern, mail_body(message))
            if match:
                return message, match
        raise NotYet(f"{len(sink.to(to))} message(s) to {to}, none with {pattern}")

    return wait_for(what, probe)


# --- The steps -----------------------------------------------------------------------------------


def staff_create_quotation(flow: Flow, staff: Visitor) -> None:
    arrival = datetime.date.today() + datetime.timedelta(days=90)
    page = staff.get("/staff/quotations/new/")
    form = page.form("quotation-create-form")
    page = staff.submit(
        form,
        {
            "client": form.value_of("client", CLIENT["name"]),
            "group_name": "Peregrinación de Pentecostés",
            "arrival": arrival.isoformat(),
            "departure": (arrival + datetime.timedelta(days=3)).isoformat(),
            "pax": "20",
            "singles": "2",
            "doubles": "9",
            "stays": f"{CITY}:3",
        },
    )
    match = re.fullmatch(r"/staff/quotations/(\d+)/", page.path)
    if match is None:
        raise SmokeFailure(f"creating the quotation led to {page.path}, not its page")
    flow.quotation_id = int(match[1])


def staff_invite_hotels(flow: Flow, staff: Visitor) -> None:
    form = staff.page.form("invite-form")
    offered = [value for value, _ in form.choices.get("hotels", [])]
    if len(offered) != len(HOTELS):
        raise SmokeFailure(f"the invite form offers {len(offered)} hotels, not the {len(HOTELS)} in {CITY}")
    page = staff.submit(form, {"hotels": offered})
    invited = len(page.testids.get("invitation-actions", []))
    if invited != len(HOTELS):
        raise SmokeFailure(f"the quotation page lists {invited} invitations after inviting {len(HOTELS)} hotels")


def invitations_received(flow: Flow) -> None:
    """Each hotel's invitation, sent by the worker, carries its portal link on the public site."""
    for hotel in HOTELS:
        _message, match = mail_wait(
            flow.stack.sink,
            hotel.email,
            rf"https://{re.escape(PUBLIC_HOST)}(/portal/i/[\w-]+/)",
            what=f"the invitation email to {hotel.email}",
        )
        flow.portal_paths[hotel.email] = match[1]


def hotel_bid(flow: Flow, hotel: HotelPlan, web: str, address: str) -> None:
    visitor = flow.visitor(hotel.name, web, address)
    visitor.login(hotel.member.email, flow.password)
    page = visitor.get(flow.portal_paths[hotel.email])
    form = page.form("bid-form")
    rates = {
        name: hotel.single if name.endswith("_single") else hotel.double
        for name in form.names()
        if name.startswith("rate_") and name.endswith(("_single", "_double"))
    }
    if not rates:
        raise SmokeFailure(f"{hotel.name}'s bid form asks for no single or double rate: {sorted(form.names())}")
    valid_until = datetime.date.today() + datetime.timedelta(days=40)
    page = visitor.submit(form, {**rates, "valid_until": valid_until.isoformat()})
    if "bid-history" not in page.testids or hotel.double not in page.html:
        raise SmokeFailure(f"{hotel.name}'s portal shows no bid at {hotel.double} after bidding")


def bid_crosses_web_processes(flow: Flow, staff: Visitor) -> None:
    """Staff watch the room on web B; the first hotel bids through web A; the frame must reach B."""
    room = room_open(staff, quotation_id=flow.quotation_id, port=flow.stack.port("web-b"))
    try:
        snapshot = room_frame(room, timeout=60)
        if snapshot.get("type") != "snapshot":
            raise SmokeFailure(f"the room's first frame is not a snapshot: {snapshot}")
        hotel_bid(flow, HOTELS[0], "web-a", "203.0.113.21")
        seen: list[str] = []

        def bid_frame():
            try:
                frame = room_frame(room, timeout=1)
            except TimeoutError:
                raise NotYet(f"frames so far: {seen}") from None
            seen.append(frame.get("kind") or frame.get("type"))
            if frame.get("kind") == "bid.submitted":
                return frame
            raise NotYet(f"frames so far: {seen}")

        frame = wait_for("the bid.submitted frame on web B's socket", bid_frame)
        flow.progress.note(f"web B's socket got {seen} (bid at seq {frame['seq']}, snapshot at {snapshot['seq']})")
    finally:
        room.close()


def staff_price_and_send(flow: Flow, staff: Visitor) -> None:
    page = staff.get(f"/staff/quotations/{flow.quotation_id}/")
    page = staff.submit(page.form("close-form"))  # the confirmation page
    page = staff.submit(page.form("confirm-form"))
    page = staff.submit(page.form("price-form"))
    page.element("price-per-person")
    page = staff.submit(page.form("send-form"))  # the confirmation page
    page = staff.submit(page.form("confirm-form"))
    status = page.element("quotation-status").get("class", "")
    if "status-sent" not in status:
        raise SmokeFailure(f"after sending, the quotation's status badge is {status!r}")


def client_approve(flow: Flow) -> None:
    quote_path = f"/client/quotations/{flow.quotation_id}/"
    message, _match = mail_wait(
        flow.stack.sink, CONTACT.email, re.escape(f"https://{PUBLIC_HOST}{quote_path}"), what="the quote email"
    )
    if not mail_pdfs(message):
        raise SmokeFailure("the quote email carries no PDF")
    client = flow.visitor("the client", "web-b", "198.51.100.7")
    client.login(CONTACT.email, flow.password)
    page = client.get(quote_path)
    page = client.submit(page.form("approve-form"))
    page.element("booking-link")
    page = client.get(f"/client/bookings/quotation/{flow.quotation_id}/")
    status = page.element("booking-status").get("data-status")
    if status != "option":
        raise SmokeFailure(f"the new booking is {status!r}, not 'option'")


def staff_record_deposit(flow: Flow, staff: Visitor) -> str:
    """The deposit's bank transfer, recorded on the booking page: the booking is confirmed."""
    page = staff.get(f"/staff/bookings/quotation/{flow.quotation_id}/")
    reference = f"SMOKE{flow.stack.run.id.rsplit('_', 1)[-1]}"  # as the bank statement shows it
    page = staff.submit(page.form("transfer-form"), {"reference": reference})
    status = page.element("booking-status").get("data-status")
    if status != "confirmed":
        raise SmokeFailure(f"after the deposit's transfer the booking is {status!r}, not 'confirmed'")
    quotation = staff.get(f"/staff/quotations/{flow.quotation_id}/").element("quotation-status").get("class", "")
    if "status-booked" not in quotation:
        raise SmokeFailure(f"after the deposit the quotation's status badge is {quotation!r}")
    return page.path


def flow_run(flow: Flow) -> None:
    step = flow.progress.step
    staff = flow.visitor("staff", "web-a", "192.0.2.10")
    with step("Staff sign in and create a quotation (web A)"):
        staff.login(STAFF.email, flow.password)
        staff_create_quotation(flow, staff)
        flow.progress.note(f"quotation {flow.quotation_id}")
    with step("Staff invite both hotels"):
        staff_invite_hotels(flow, staff)
    with step("The invitation emails reach the SMTP sink with their portal links"):
        invitations_received(flow)
    with step("Hotel 1 bids through web A; the frame reaches staff's socket on web B"):
        bid_crosses_web_processes(flow, staff)
    with step("Hotel 2 bids through web B"):
        hotel_bid(flow, HOTELS[1], "web-b", "203.0.113.22")
    with step("Staff close the bidding, run the automatic quotation and send it"):
        staff_price_and_send(flow, staff)
    with step("The client reads the quote email, signs in (web B) and approves"):
        client_approve(flow)
    with step("Staff record the deposit's transfer on web B, same session: booking confirmed"):
        staff.port = flow.stack.port("web-b")  # nginx may send any request to either process
        flow.progress.note(staff_record_deposit(flow, staff))
