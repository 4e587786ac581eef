"""What the parts of the demo seed share while they build: see portal/demo/seed.py."""

import random
from dataclasses import dataclass, field
from datetime import date

from portal.core.folding import fold
from portal.models import Member, User
from portal.places.service import Place, eu_places

# Places are drawn from each country's most populous ones, so the names are recognisable.
PLACES_PER_COUNTRY = 300


@dataclass
class DemoAccount:
    label: str
    user: User
    password: str


@dataclass
class Demo:
    rng: random.Random
    today: date
    accounts: dict[str, DemoAccount] = field(default_factory=dict)
    coordinators: dict[str, User] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    applications: list[Member] = field(default_factory=list)
    # Council decisions written to UPLOAD_DIR, removed again if the seed fails.
    document_ids: list[str] = field(default_factory=list)
    _pools: dict[str, list[Place]] = field(default_factory=dict)
    _used: set[tuple[str, str]] = field(default_factory=set)

    def take_place(self, country: str) -> Place:
        """A real place of this country that no member or application of the demo uses yet."""
        if not self._pools:
            for place in eu_places():  # most populous first
                pool = self._pools.setdefault(place.country, [])
                if len(pool) < PLACES_PER_COUNTRY:
                    pool.append(place)
        pool = self._pools[country]
        while pool:
            place = pool.pop(self.rng.randrange(len(pool)))
            key = (place.country, fold(place.name))
            if key not in self._used:
                self._used.add(key)
                return place
        raise LookupError(f"no unused place left in {country}")
