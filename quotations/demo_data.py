"""The people, clients and hotels of the demo dataset.

Pure data, no database access; `quotations.demo` builds it. Every record has a
natural key (a user's email, a client's or hotel's name) so seeding twice finds
what the first run made.
"""

from dataclasses import dataclass

from accounts.models import Language
from quotations.models import ClientKind
from spirittours.geo import Country, Currency

# Shared by every demo user and printed by `seed_demo`: never use it outside a demo.
DEMO_PASSWORD = "spirit-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str


@dataclass(frozen=True)
class StaffSpec:
    person: Person
    staff_level: int
    is_superuser: bool = False


@dataclass(frozen=True)
class ClientSpec:
    name: str
    kind: str
    country: str
    language: str
    email: str
    contacts: tuple[Person, ...]
    notes: str = ""


@dataclass(frozen=True)
class HotelSpec:
    name: str
    city: str
    stars: int
    email: str
    member: Person
    # Net nightly rate per room for a single, double, twin and triple room.
    rates: tuple[int, int, int, int]
    conditions: str
    currency: str = Currency.EUR


DIRECTOR = StaffSpec(Person("direccion@spirittours.example", "Carmen Ruiz Olmedo"), staff_level=10, is_superuser=True)
SALES_MANAGER = StaffSpec(Person("ventas@spirittours.example", "Javier Morales Peña"), staff_level=7)
SALES_AGENT = StaffSpec(Person("agente@spirittours.example", "Lucía Fernández Gil"), staff_level=3)
STAFF = (DIRECTOR, SALES_MANAGER, SALES_AGENT)

CLIENTS = (
    ClientSpec(
        name="Parroquia Santa María de Triana",
        kind=ClientKind.COMPANY,
        country=Country.ES,
        language=Language.SPANISH,
        email="secretaria@parroquiatriana.example",
        contacts=(
            Person("grupos@parroquiatriana.example", "Rocío Jiménez Vela"),
            Person("parroco@parroquiatriana.example", "Antonio Luque Barrera"),
        ),
        notes="Dos peregrinaciones al año; pagan la señal por transferencia.",
    ),
    ClientSpec(
        name="Incentivos Mediterráneo S.L.",
        kind=ClientKind.COMPANY,
        country=Country.ES,
        language=Language.SPANISH,
        email="info@incentivosmediterraneo.example",
        contacts=(Person("eventos@incentivosmediterraneo.example", "Álvaro Sanchis Ferrer"),),
        notes="Agencia de incentivos de Valencia; trabaja con margen reducido y volumen alto.",
    ),
    ClientSpec(
        name="Colegio San Bartolomé",
        kind=ClientKind.COMPANY,
        country=Country.CO,
        language=Language.SPANISH,
        email="rectoria@colegiosanbartolome.example",
        contacts=(Person("viajes@colegiosanbartolome.example", "Diana Marcela Rojas Quintero"),),
        notes="Bogotá. Viaje de grado cada año con estudiantes de 11.º y docentes acompañantes.",
    ),
    ClientSpec(
        name="Viajes Peregrinos del Bajío",
        kind=ClientKind.COMPANY,
        country=Country.MX,
        language=Language.SPANISH,
        email="contacto@peregrinosbajio.example",
        contacts=(Person("reservaciones@peregrinosbajio.example", "José Luis Hernández Camacho"),),
        notes="Agencia de León (Guanajuato) especializada en peregrinaciones diocesanas.",
    ),
    ClientSpec(
        name="Asociación Cultural Rioplatense",
        kind=ClientKind.COMPANY,
        country=Country.AR,
        language=Language.SPANISH,
        email="info@culturalrioplatense.example",
        contacts=(Person("secretaria@culturalrioplatense.example", "María Laura Benedetti"),),
        notes="Buenos Aires. Viajes culturales de socios y giras del coro.",
    ),
    ClientSpec(
        name="St. Patrick's Parish Pilgrimages",
        kind=ClientKind.COMPANY,
        country=Country.US,
        language=Language.ENGLISH,
        email="office@stpatricksparish.example",
        contacts=(Person("pilgrimages@stpatricksparish.example", "Kathleen Brennan"),),
        notes="Boston. Quotes in English; the parish council approves every trip.",
    ),
)

_GROUP_TERMS = "Gratuidad 1 de cada 25 pax. Cancelación sin gastos hasta 30 días antes de la llegada."

HOTELS = (
    HotelSpec(
        name="Hotel Puerta de Alcalá",
        city="Madrid",
        stars=4,
        email="info@hotelpuertadealcala.example",
        member=Person("reservas@hotelpuertadealcala.example", "Beatriz Campos Soler"),
        rates=(98, 118, 118, 152),
        conditions=_GROUP_TERMS,
    ),
    HotelSpec(
        name="Hotel Mayorazgo",
        city="Madrid",
        stars=3,
        email="info@hotelmayorazgo.example",
        member=Person("grupos@hotelmayorazgo.example", "Sergio Navarro Díaz"),
        rates=(72, 86, 86, 112),
        conditions="Gratuidad 1 de cada 20 pax. Autocar: acceso por la calle Flor Baja.",
    ),
    HotelSpec(
        name="Hotel Castellana Excelsior",
        city="Madrid",
        stars=5,
        email="info@castellanaexcelsior.example",
        member=Person("groups@castellanaexcelsior.example", "Laura Whitfield"),
        # The chain's group desk quotes in US dollars; the quote is converted to euros.
        rates=(175, 198, 198, 236),
        conditions="Group rate in USD. 50% deposit 45 days before arrival.",
        currency=Currency.USD,
    ),
    HotelSpec(
        name="Hotel Alfonso XIII",
        city="Sevilla",
        stars=5,
        email="info@hotelalfonsoxiii.example",
        member=Person("reservas@hotelalfonsoxiii.example", "Inmaculada Reyes Ponce"),
        rates=(185, 210, 210, 220),
        conditions="Depósito del 30 % a la confirmación. Cancelación sin gastos hasta 45 días antes.",
    ),
    HotelSpec(
        name="Hotel Doña María",
        city="Sevilla",
        stars=4,
        email="info@hoteldonamaria.example",
        member=Person("reservas@hoteldonamaria.example", "Manuel Castaño Ruiz"),
        rates=(95, 112, 112, 145),
        conditions=_GROUP_TERMS,
    ),
    HotelSpec(
        name="Hotel Casas de la Judería",
        city="Sevilla",
        stars=4,
        email="info@casasdelajuderia.example",
        member=Person("grupos@casasdelajuderia.example", "Elena Márquez Ortiz"),
        rates=(89, 104, 104, 136),
        conditions="Máximo 40 habitaciones por grupo. Cancelación sin gastos hasta 21 días antes.",
    ),
    HotelSpec(
        name="Hotel Alhambra Palace",
        city="Granada",
        stars=4,
        email="info@alhambrapalace.example",
        member=Person("grupos@alhambrapalace.example", "Francisco Morente Alba"),
        rates=(110, 128, 128, 165),
        conditions="Entradas a la Alhambra no incluidas. " + _GROUP_TERMS,
    ),
    HotelSpec(
        name="Hotel Los Tilos",
        city="Granada",
        stars=3,
        email="info@hotellostilos.example",
        member=Person("reservas@hotellostilos.example", "Pilar Robles Gámez"),
        rates=(65, 76, 76, 98),
        conditions="Sin aparcamiento para autocares; parada en Gran Vía de Colón.",
    ),
    HotelSpec(
        name="Hostal dos Reis Católicos",
        city="Santiago de Compostela",
        stars=5,
        email="info@hostaldosreis.example",
        member=Person("grupos@hostaldosreis.example", "Xoán Carballo Iglesias"),
        rates=(160, 188, 188, 215),
        conditions="Depósito del 25 % a la confirmación. Misa del peregrino a las 12:00 en la catedral.",
    ),
    HotelSpec(
        name="Hotel Monumento San Francisco",
        city="Santiago de Compostela",
        stars=4,
        email="info@sanfranciscohotel.example",
        member=Person("reservas@sanfranciscohotel.example", "Uxía Pereira Lamas"),
        rates=(92, 110, 110, 138),
        conditions=_GROUP_TERMS,
    ),
    HotelSpec(
        name="Hotel Compostela",
        city="Santiago de Compostela",
        stars=3,
        email="info@hotelcompostela.example",
        member=Person("reservas@hotelcompostela.example", "Ramón Villar Otero"),
        rates=(68, 82, 82, 104),
        conditions="Gratuidad 1 de cada 30 pax. Sin cargo por equipaje de peregrinos.",
    ),
)
