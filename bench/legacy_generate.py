#!/usr/bin/env python
"""Write a large export of the old system, in the format of docs/LEGACY_IMPORT.md, every row valid.

N quotations over 1 to 3 cities each, with the clients and hotels they need
(a client per 20 quotations, 10 hotels in each of 20 cities, two of them in
Mexico quoting in USD), 1 or 2 hotels bidding per stay (one in ten with a
superseded first revision), and for the approved and booked ones (half of
them) a booking priced as the automatic quotation seats the group, with a
deposit and a balance and the payments made so far.

    .venv/bin/python bench/legacy_generate.py DIR --quotations 100000 [--seed 42]

Every quotation is left without `owner_email`: import with --owner. The same
seed and the same day give the same files.
"""

import argparse
import csv
import datetime
import math
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from quotations.pricing import free_places_for, sleeping_for  # noqa: E402 - pure arithmetic, no Django

CITIES = [
    ("Sevilla", "ES", "EUR"),
    ("Granada", "ES", "EUR"),
    ("Córdoba", "ES", "EUR"),
    ("Madrid", "ES", "EUR"),
    ("Toledo", "ES", "EUR"),
    ("Santiago de Compostela", "ES", "EUR"),
    ("Salamanca", "ES", "EUR"),
    ("Barcelona", "ES", "EUR"),
    ("Valencia", "ES", "EUR"),
    ("Zaragoza", "ES", "EUR"),
    ("Lisboa", "PT", "EUR"),
    ("Fátima", "PT", "EUR"),
    ("Oporto", "PT", "EUR"),
    ("Roma", "IT", "EUR"),
    ("Asís", "IT", "EUR"),
    ("Lourdes", "FR", "EUR"),
    ("París", "FR", "EUR"),
    ("Ávila", "ES", "EUR"),
    ("Ciudad de México", "MX", "USD"),
    ("Guadalajara", "MX", "USD"),
]
HOTELS_PER_CITY = 10
QUOTATIONS_PER_CLIENT = 20
CLIENT_COUNTRIES = ["ES", "ES", "ES", "MX", "CO", "AR", "CL", "PE", "US"]
USD_TO_EUR = Decimal("0.92000000")
CENT = Decimal("0.01")
# status → share of the quotations; the approved and booked ones have a booking.
STATUSES = [
    ("booked", 45),
    ("approved", 5),
    ("sent", 15),
    ("bidding", 10),
    ("draft", 5),
    ("declined", 10),
    ("expired", 10),
]
OCCUPANCY = {"single": 1, "double": 2}

COLUMNS = {
    "clients": ["legacy_id", "name", "kind", "country", "language", "email", "phone", "tax_id", "notes"],
    "hotels": ["legacy_id", "name", "city", "country", "stars", "email", "phone", "currency", "is_active"],
    "quotations": [
        "legacy_id",
        "reference",
        "client_id",
        "owner_email",
        "group_name",
        "arrival",
        "departure",
        "pax",
        "singles",
        "doubles",
        "twins",
        "triples",
        "meal_plan",
        "currency",
        "margin_percent",
        "free_place_every",
        "bid_deadline",
        "valid_until",
        "status",
        "stays",
        "notes",
    ],
    "bids": [
        "legacy_id",
        "quotation_id",
        "hotel_id",
        "revision",
        "status",
        "currency",
        "valid_until",
        "rates",
        "conditions",
        "notes",
    ],
    "bookings": [
        "legacy_id",
        "quotation_id",
        "reference",
        "status",
        "currency",
        "total",
        "prices",
        "chosen_bids",
        "exchange_rates",
        "schedule",
        "cancelled_at",
        "cancel_reason",
        "retained_amount",
    ],
    "payments": [
        "legacy_id",
        "booking_id",
        "installment",
        "amount",
        "currency",
        "status",
        "provider",
        "provider_reference",
        "received_on",
        "confirmed_at",
        "receipt_number",
    ],
}


class Export:
    """The six files open for writing, and the counters of the ids handed out."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.handles = {
            table: (directory / f"{table}.csv").open("w", newline="", encoding="utf-8") for table in COLUMNS
        }
        self.writers = {table: csv.writer(handle) for table, handle in self.handles.items()}
        self.counts = dict.fromkeys(COLUMNS, 0)
        for table, columns in COLUMNS.items():
            self.writers[table].writerow(columns)

    def write(self, table: str, row: list) -> None:
        self.writers[table].writerow(row)
        self.counts[table] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _moment(day: datetime.date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+01:00"


def _hotels(export: Export) -> dict[str, list[tuple[str, str]]]:
    """Write the hotels; returns (legacy id, currency) of each city's hotels."""
    by_city: dict[str, list[tuple[str, str]]] = {}
    for city_index, (city, country, currency) in enumerate(CITIES):
        for number in range(HOTELS_PER_CITY):
            legacy_id = f"H{city_index:02d}{number:02d}"
            export.write(
                "hotels",
                [
                    legacy_id,
                    f"Hotel {city} {number + 1}",
                    city,
                    country,
                    3 + number % 3,
                    f"ventas.{legacy_id.lower()}@hotel.example",
                    "",
                    currency,
                    "true",
                ],
            )
            by_city.setdefault(city, []).append((legacy_id, currency))
    return by_city


def _clients(export: Export, count: int) -> list[str]:
    ids = []
    for number in range(1, count + 1):
        legacy_id = f"C{number:06d}"
        country = CLIENT_COUNTRIES[number % len(CLIENT_COUNTRIES)]
        export.write(
            "clients",
            [
                legacy_id,
                f"Parroquia {number}",
                "company",
                country,
                "en" if country == "US" else "es",
                f"grupos{number}@cliente.example",
                "",
                "",
                "",
            ],
        )
        ids.append(legacy_id)
    return ids


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Generator:
    def __init__(self, export: Export, *, seed: int, today: datetime.date):
        self.export = export
        self.random = random.Random(seed)
        self.today = today
        self.bid_number = 0
        self.payment_number = 0
        self.statuses = [status for status, weight in STATUSES for _ in range(weight)]

    def quotation(self, number: int, *, client_id: str, hotels: dict[str, list[tuple[str, str]]]) -> None:
        rnd = self.random
        legacy_id = f"Q{number:07d}"
        status = rnd.choice(self.statuses)
        cities = rnd.sample(range(len(CITIES)), rnd.randint(1, 3))
        nights = [rnd.randint(1, 4) for _ in cities]
        if status == "bidding":
            arrival = self.today + datetime.timedelta(days=rnd.randint(60, 700))
        else:
            arrival = self.today + datetime.timedelta(days=rnd.randint(-300, 700))
        departure = arrival + datetime.timedelta(days=sum(nights))
        pax = rnd.randint(10, 40)
        singles = rnd.randint(0, 3)
        doubles = math.ceil((pax - singles) / 2)
        rooms = {"single": singles, "double": doubles}
        every = 20 if rnd.random() < 0.2 else 0
        margin = Decimal(rnd.randint(1000, 2000)) / 100
        deadline = self.today + datetime.timedelta(
            days=rnd.randint(1, 30) if status == "bidding" else -rnd.randint(1, 200)
        )
        self.export.write(
            "quotations",
            [
                legacy_id,
                f"OLD-Q-{number:07d}",
                client_id,
                "",
                f"Grupo {number}",
                arrival.isoformat(),
                departure.isoformat(),
                pax,
                singles,
                doubles,
                0,
                0,
                rnd.choice(["BB", "HB", "FB"]),
                "EUR",
                str(margin),
                every,
                _moment(deadline, 18),
                (self.today + datetime.timedelta(days=rnd.randint(-100, 300))).isoformat(),
                status,
                "|".join(f"{CITIES[city][0]}:{n}" for city, n in zip(cities, nights, strict=True)),
                "",
            ],
        )
        if status in ("draft",):
            return
        chosen = []
        for position, city in enumerate(cities, start=1):
            offers = self._bids(legacy_id, position, CITIES[city][0], rooms, hotels)
            chosen.append(min(offers, key=lambda offer: offer[2]))
        if status in ("booked", "approved"):
            self._booking(number, legacy_id, status, chosen, nights, pax, rooms, every, margin, arrival)

    def _bids(self, quotation_id, position, city, rooms, hotels) -> list[tuple[str, str, Decimal, dict]]:
        """Write 1 or 2 hotels' bids for one stay; returns (bid id, currency, cost, rates) of the active ones."""
        rnd = self.random
        active = []
        for hotel_id, currency in rnd.sample(hotels[city], rnd.randint(1, 2)):
            revisions = 2 if rnd.random() < 0.1 else 1
            for revision in range(1, revisions + 1):
                self.bid_number += 1
                bid_id = f"B{self.bid_number:08d}"
                rates = {
                    room: Decimal(rnd.randint(6000, 16000)) / 100 * OCCUPANCY[room]
                    for room, count in rooms.items()
                    if count
                }
                self.export.write(
                    "bids",
                    [
                        bid_id,
                        quotation_id,
                        hotel_id,
                        revision,
                        "active" if revision == revisions else "superseded",
                        currency,
                        (self.today + datetime.timedelta(days=rnd.randint(-200, 400))).isoformat(),
                        "|".join(f"{position}:{room}:{rate:.2f}:{rooms[room]}" for room, rate in rates.items()),
                        "",
                        "",
                    ],
                )
            cost = sum(rate * rooms[room] for room, rate in rates.items())
            active.append((bid_id, currency, cost, rates))
        return active

    def _booking(self, number, quotation_id, status, chosen, nights, pax, rooms, every, margin, arrival) -> None:
        rnd = self.random
        legacy_id = f"K{number:07d}"
        factor = {"EUR": Decimal(1), "USD": USD_TO_EUR}
        seats = sleeping_for(pax=pax, rooms=rooms, free_places=free_places_for(pax=pax, every=every))
        prices = {}
        for room, who in seats.items():
            if who.paying:
                cost = sum(
                    offer[3][room] * factor[offer[1]] * n / OCCUPANCY[room]
                    for offer, n in zip(chosen, nights, strict=True)
                )
                prices[room] = Decimal(math.ceil(cost * (1 + margin / 100)))
        total = sum(prices[room] * who.paying for room, who in seats.items() if who.paying)
        deposit = _cents(total * Decimal("0.30"))
        deposit_due = min(
            arrival - datetime.timedelta(days=90), self.today - datetime.timedelta(days=rnd.randint(1, 60))
        )
        balance_due = arrival - datetime.timedelta(days=60)
        cancelled = rnd.random() < 0.05
        travelled = arrival < self.today
        if cancelled:
            booking_status = "cancelled"
        elif travelled:
            booking_status = "completed"
        elif status == "approved":
            booking_status = "option"
        else:
            booking_status = rnd.choice(["confirmed", "confirmed", "paid"])
        usd = any(offer[1] == "USD" for offer in chosen)
        cancelled_on = self.today - datetime.timedelta(days=rnd.randint(1, 30))
        self.export.write(
            "bookings",
            [
                legacy_id,
                quotation_id,
                f"OLD-B-{number:07d}",
                booking_status,
                "EUR",
                f"{total:.2f}",
                "|".join(f"{room}:{price:.2f}" for room, price in prices.items()),
                "|".join(offer[0] for offer in chosen),
                f"USD:{USD_TO_EUR}" if usd else "",
                f"deposit:{deposit_due}:{deposit:.2f}|balance:{balance_due}:{total - deposit:.2f}",
                _moment(cancelled_on) if cancelled else "",
                "Cancelado por el cliente" if cancelled else "",
                f"{deposit:.2f}" if cancelled else "",
            ],
        )
        paid = []
        if booking_status in ("confirmed", "paid", "completed", "cancelled"):
            paid.append((1, deposit, deposit_due))
        if booking_status in ("paid", "completed"):
            paid.append((2, total - deposit, min(balance_due, self.today - datetime.timedelta(days=1))))
        for installment, amount, day in paid:
            self._payment(
                legacy_id, installment, amount, "confirmed", min(day, self.today - datetime.timedelta(days=1))
            )
        if booking_status == "confirmed" and rnd.random() < 0.3:
            self._payment(legacy_id, 2, _cents((total - deposit) / 2), "pending", None)

    def _payment(self, booking_id, installment, amount, status, day) -> None:
        self.payment_number += 1
        confirmed = status == "confirmed"
        self.export.write(
            "payments",
            [
                f"P{self.payment_number:08d}",
                booking_id,
                installment,
                f"{amount:.2f}",
                "EUR",
                status,
                "manual" if confirmed else "stripe",
                f"TRF-{self.payment_number:08d}",
                day.isoformat() if confirmed else "",
                _moment(day) if confirmed else "",
                f"OLD-R-{self.payment_number:08d}" if confirmed else "",
            ],
        )


def generate(directory: Path, *, quotations: int, seed: int = 42, today: datetime.date | None = None) -> dict[str, int]:
    """Write the six files into `directory`; returns the rows written per file."""
    today = today or datetime.date.today()
    export = Export(directory)
    try:
        clients = _clients(export, max(1, math.ceil(quotations / QUOTATIONS_PER_CLIENT)))
        hotels = _hotels(export)
        generator = Generator(export, seed=seed, today=today)
        for number in range(1, quotations + 1):
            generator.quotation(number, client_id=clients[(number - 1) % len(clients)], hotels=hotels)
    finally:
        export.close()
    return export.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--quotations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    counts = generate(args.directory, quotations=args.quotations, seed=args.seed)
    for table, count in counts.items():
        print(f"{table}.csv: {count:,} rows")


if __name__ == "__main__":
    main()
