"""The demo quotations: who asks for what trip, and how far each one has got.

Pure data, built by `quotations.demo`. A trip is keyed by its group name
within its client. Dates are relative to the day of seeding because the
services refuse arrivals and bid deadlines in the past.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from quotations.demo_data import DIRECTOR, SALES_AGENT, SALES_MANAGER
from quotations.models import MealPlan
from quotations.models import QuotationStatus as S
from quotations.services import RoomMix


@dataclass(frozen=True)
class TripPlan:
    """One quotation and the statuses it goes through after being created as a draft."""

    client: str
    group_name: str
    owner: str
    arrival_in_days: int
    stays: tuple[tuple[str, int], ...]
    pax: int
    rooms: RoomMix
    path: tuple[str, ...]
    meal_plan: str = MealPlan.BED_AND_BREAKFAST
    # A city's own meal plan where it differs from the trip's.
    stay_meal_plans: dict[str, str] = field(default_factory=dict)
    margin_percent: Decimal = Decimal("15.00")
    # Multiplies every hotel's base rates: high season costs more.
    season: Decimal = Decimal("1.00")
    # Hotels that were invited but never answered.
    silent: tuple[str, ...] = ()
    # Hotels that revise their first bid downwards after a call from sales.
    revising: tuple[str, ...] = ()
    # Hotels that submit and then take their bid back.
    withdrawing: tuple[str, ...] = ()
    # Hotels that decline the invitation, with their reason.
    declining: dict[str, str] = field(default_factory=dict)
    change_request: str = ""
    decline_reason: str = ""
    cancel_reason: str = ""
    notes: str = ""


BIDDING = (S.BIDDING,)
QUOTED = (*BIDDING, S.QUOTED)
SENT = (*QUOTED, S.SENT)
APPROVED = (*SENT, S.APPROVED)
BOOKED = (*APPROVED, S.BOOKED)

_AGENT = SALES_AGENT.person.email
_MANAGER = SALES_MANAGER.person.email
_DIRECTOR = DIRECTOR.person.email

TRIPS = (
    # Parroquia Santa María de Triana
    TripPlan(
        client="Parroquia Santa María de Triana",
        group_name="Peregrinación parroquial a Santiago de Compostela",
        owner=_AGENT,
        arrival_in_days=95,
        stays=(("Santiago de Compostela", 4),),
        pax=38,
        rooms=RoomMix(singles=4, doubles=15, twins=2),
        path=BOOKED,
        meal_plan=MealPlan.HALF_BOARD,
        revising=("Hostal dos Reis Católicos",),
    ),
    TripPlan(
        client="Parroquia Santa María de Triana",
        group_name="Retiro de catequistas en Granada",
        owner=_AGENT,
        arrival_in_days=150,
        stays=(("Granada", 2),),
        pax=16,
        rooms=RoomMix(singles=2, twins=7),
        path=(),
        meal_plan=MealPlan.FULL_BOARD,
        notes="Esperando la lista definitiva de catequistas.",
    ),
    TripPlan(
        client="Parroquia Santa María de Triana",
        group_name="Jornada diocesana en Madrid",
        owner=_AGENT,
        arrival_in_days=60,
        stays=(("Madrid", 3),),
        pax=45,
        rooms=RoomMix(singles=3, doubles=18, triples=2),
        path=SENT,
    ),
    # Incentivos Mediterráneo
    TripPlan(
        client="Incentivos Mediterráneo S.L.",
        group_name="Incentivo red comercial Farmalevante",
        owner=_MANAGER,
        arrival_in_days=75,
        stays=(("Madrid", 2), ("Sevilla", 2)),
        pax=60,
        rooms=RoomMix(singles=10, doubles=25),
        path=APPROVED,
        meal_plan=MealPlan.HALF_BOARD,
        margin_percent=Decimal("12.00"),
    ),
    TripPlan(
        client="Incentivos Mediterráneo S.L.",
        group_name="Convención de concesionarios de Andalucía",
        owner=_MANAGER,
        arrival_in_days=110,
        stays=(("Sevilla", 3),),
        pax=80,
        rooms=RoomMix(singles=20, doubles=30),
        path=(*BIDDING, S.CANCELLED),
        margin_percent=Decimal("12.00"),
        silent=("Hotel Doña María",),
        cancel_reason="El cliente final aplaza la convención al próximo ejercicio.",
    ),
    TripPlan(
        client="Incentivos Mediterráneo S.L.",
        group_name="Viaje de premio top ventas",
        owner=_MANAGER,
        arrival_in_days=45,
        stays=(("Granada", 2), ("Sevilla", 2)),
        pax=24,
        rooms=RoomMix(doubles=12),
        path=(*SENT, S.EXPIRED),
        meal_plan=MealPlan.HALF_BOARD,
        season=Decimal("1.10"),
        margin_percent=Decimal("18.00"),
    ),
    TripPlan(
        client="Incentivos Mediterráneo S.L.",
        group_name="Kick-off anual de la red comercial",
        owner=_DIRECTOR,
        arrival_in_days=130,
        stays=(("Madrid", 2),),
        pax=90,
        rooms=RoomMix(singles=10, doubles=40),
        path=BIDDING,
        meal_plan=MealPlan.FULL_BOARD,
        margin_percent=Decimal("12.00"),
        silent=("Hotel Castellana Excelsior",),
        declining={"Hotel Mayorazgo": "No disponemos de salón para 90 personas en esas fechas."},
    ),
    # Colegio San Bartolomé
    TripPlan(
        client="Colegio San Bartolomé",
        group_name="Viaje de grado 11.º: España monumental",
        owner=_AGENT,
        arrival_in_days=180,
        stays=(("Madrid", 3), ("Granada", 2), ("Sevilla", 3)),
        pax=42,
        rooms=RoomMix(singles=4, doubles=1, triples=12),
        path=BOOKED,
        meal_plan=MealPlan.FULL_BOARD,
        season=Decimal("1.05"),
    ),
    TripPlan(
        client="Colegio San Bartolomé",
        group_name="Intercambio pedagógico de docentes",
        owner=_AGENT,
        arrival_in_days=70,
        stays=(("Madrid", 4),),
        pax=12,
        rooms=RoomMix(singles=4, twins=4),
        path=(*SENT, S.CHANGES_REQUESTED),
        change_request="¿Pueden cotizar habitaciones individuales para todos los docentes?",
    ),
    TripPlan(
        client="Colegio San Bartolomé",
        group_name="Delegación a la Olimpiada Iberoamericana de Matemáticas",
        owner=_AGENT,
        arrival_in_days=50,
        stays=(("Madrid", 3),),
        pax=18,
        rooms=RoomMix(singles=2, triples=6),
        path=(*SENT, S.DECLINED),
        meal_plan=MealPlan.FULL_BOARD,
        decline_reason="La delegación viajará finalmente con la federación nacional.",
    ),
    # Viajes Peregrinos del Bajío
    TripPlan(
        client="Viajes Peregrinos del Bajío",
        group_name="Peregrinación diocesana Madrid y Santiago",
        owner=_MANAGER,
        arrival_in_days=120,
        stays=(("Madrid", 2), ("Santiago de Compostela", 3)),
        pax=44,
        rooms=RoomMix(singles=2, doubles=18, twins=3),
        path=APPROVED,
        meal_plan=MealPlan.HALF_BOARD,
    ),
    TripPlan(
        client="Viajes Peregrinos del Bajío",
        group_name="Tierra de santos: Madrid, Granada y Sevilla",
        owner=_AGENT,
        arrival_in_days=140,
        stays=(("Madrid", 2), ("Granada", 2), ("Sevilla", 3)),
        pax=36,
        rooms=RoomMix(singles=2, doubles=14, twins=3),
        path=SENT,
        meal_plan=MealPlan.HALF_BOARD,
        # Free evenings in Madrid: breakfast only there.
        stay_meal_plans={"Madrid": MealPlan.BED_AND_BREAKFAST},
    ),
    TripPlan(
        client="Viajes Peregrinos del Bajío",
        group_name="Peregrinación a Compostela, grupo de otoño",
        owner=_AGENT,
        arrival_in_days=165,
        stays=(("Santiago de Compostela", 4),),
        pax=40,
        rooms=RoomMix(doubles=17, triples=2),
        path=BIDDING,
        meal_plan=MealPlan.HALF_BOARD,
        silent=("Hostal dos Reis Católicos",),
        withdrawing=("Hotel Compostela",),
    ),
    TripPlan(
        client="Viajes Peregrinos del Bajío",
        group_name="Sevilla cofrade",
        owner=_MANAGER,
        arrival_in_days=85,
        stays=(("Sevilla", 5),),
        pax=48,
        rooms=RoomMix(singles=4, doubles=22),
        path=QUOTED,
        season=Decimal("1.15"),
        declining={"Hotel Casas de la Judería": "Completos: compromiso previo con otro grupo en esas fechas."},
    ),
    # Asociación Cultural Rioplatense
    TripPlan(
        client="Asociación Cultural Rioplatense",
        group_name="Ruta de los poetas: Machado y Lorca",
        owner=_AGENT,
        arrival_in_days=100,
        stays=(("Granada", 3), ("Sevilla", 2)),
        pax=28,
        rooms=RoomMix(singles=4, doubles=12),
        path=QUOTED,
        revising=("Hotel Alhambra Palace",),
    ),
    TripPlan(
        client="Asociación Cultural Rioplatense",
        group_name="Circuito cultural Madrid y Andalucía",
        owner=_AGENT,
        arrival_in_days=55,
        stays=(("Madrid", 3), ("Sevilla", 2), ("Granada", 2)),
        pax=32,
        rooms=RoomMix(singles=4, doubles=14),
        path=(*SENT, S.EXPIRED),
    ),
    TripPlan(
        client="Asociación Cultural Rioplatense",
        group_name="Gira del coro de la asociación",
        owner=_MANAGER,
        arrival_in_days=125,
        stays=(("Madrid", 2), ("Santiago de Compostela", 2)),
        pax=34,
        rooms=RoomMix(singles=2, doubles=8, twins=8),
        path=BOOKED,
    ),
    TripPlan(
        client="Asociación Cultural Rioplatense",
        group_name="Viaje de socios: últimas etapas del Camino Francés",
        owner=_AGENT,
        arrival_in_days=40,
        stays=(("Santiago de Compostela", 3),),
        pax=22,
        rooms=RoomMix(singles=2, doubles=10),
        path=(*APPROVED, S.CANCELLED),
        cancel_reason="Cancelación por falta de inscriptos suficientes.",
    ),
    # St. Patrick's Parish Pilgrimages
    TripPlan(
        client="St. Patrick's Parish Pilgrimages",
        group_name="Camino de Santiago Spring Pilgrimage",
        owner=_MANAGER,
        arrival_in_days=160,
        stays=(("Madrid", 2), ("Santiago de Compostela", 4)),
        pax=40,
        rooms=RoomMix(singles=6, doubles=17),
        path=(*SENT, S.CHANGES_REQUESTED, S.QUOTED, S.SENT, S.APPROVED),
        meal_plan=MealPlan.HALF_BOARD,
        change_request="Please quote half board in Santiago; breakfast only is fine in Madrid.",
    ),
    TripPlan(
        client="St. Patrick's Parish Pilgrimages",
        group_name="Catholic Spain: Madrid, Granada and Seville",
        owner=_MANAGER,
        arrival_in_days=190,
        stays=(("Madrid", 2), ("Granada", 2), ("Sevilla", 3)),
        pax=46,
        rooms=RoomMix(singles=6, doubles=20),
        path=(*SENT, S.CHANGES_REQUESTED),
        change_request="Could you add one more night in Seville and move the group to a 4-star hotel in Granada?",
    ),
    TripPlan(
        client="St. Patrick's Parish Pilgrimages",
        group_name="Youth Ministry Summer Trip",
        owner=_AGENT,
        arrival_in_days=200,
        stays=(("Madrid", 3), ("Granada", 2)),
        pax=30,
        rooms=RoomMix(singles=2, triples=8, doubles=2),
        path=BIDDING,
        season=Decimal("1.10"),
        silent=("Hotel Los Tilos",),
        revising=("Hotel Mayorazgo",),
    ),
    TripPlan(
        client="St. Patrick's Parish Pilgrimages",
        group_name="Parish Council Retreat in Seville",
        owner=_AGENT,
        arrival_in_days=175,
        stays=(("Sevilla", 3),),
        pax=14,
        rooms=RoomMix(singles=14),
        path=(),
        notes="Waiting for the council to confirm the dates.",
    ),
    TripPlan(
        client="St. Patrick's Parish Pilgrimages",
        group_name="Knights of Columbus Heritage Tour",
        owner=_MANAGER,
        arrival_in_days=65,
        stays=(("Madrid", 2), ("Sevilla", 2)),
        pax=26,
        rooms=RoomMix(singles=2, doubles=12),
        path=(*SENT, S.DECLINED),
        decline_reason="Our council chose a shorter trip closer to home this year.",
    ),
)
