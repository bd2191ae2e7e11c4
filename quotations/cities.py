"""The cities of an itinerary as the hotels spell them.

A stay's city decides which hotels may bid for it, so it is kept in the
spelling of the hotels of that city: "sevilla", "SEVILLA" and "Sevílla" are
the hotels' "Sevilla". A city no active hotel is in is kept as typed, trimmed.
The same spellings are the suggestions of the create form.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable

from quotations.models import Hotel


def city_key(name: str) -> str:
    """What two spellings of one city share: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def hotel_city_list() -> list[str]:
    """The cities of the active hotels, one spelling each, in alphabetical order.

    Where hotels spell a city differently, the spelling most of them use wins
    (ties: the first in code-point order, so the choice never changes between calls).
    """
    counts = Counter(
        " ".join(city.split()) for city in Hotel.objects.filter(is_active=True).values_list("city", flat=True)
    )
    chosen: dict[str, str] = {}
    for spelling, _count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if spelling:
            chosen.setdefault(city_key(spelling), spelling)
    return sorted(chosen.values(), key=lambda spelling: (city_key(spelling), spelling))


def city_canonical(*, city: str, known: Iterable[str]) -> str:
    """The known spelling of `city`, or `city` trimmed when no known city matches it."""
    key = city_key(city)
    for spelling in known:
        if city_key(spelling) == key:
            return spelling
    return city.strip()
