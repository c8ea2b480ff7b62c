"""Where the demo's visitors are (demo.py): a country picked by the browser's language, an address in a block
the Regional Internet Registries assign to that country, and a real city with its ISO 3166-2 region.

Picked from the octets the demo drew for its former 10.x addresses, without drawing from its generator, so
every other figure of the demo stays as it was. The /16 blocks are large ISPs' allocations; a test checks
that iptocc (the built-in lookup) maps every generated address to its country.
"""

from __future__ import annotations

from typing import Any

# country -> (its /16 blocks, (region, city) pairs; the first city the most frequent)
PLACES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "US": (("24.0", "71.10", "73.0", "73.100", "98.200", "67.160"),
           (("US-CA", "San Francisco"), ("US-NY", "New York"), ("US-TX", "Austin"), ("US-WA", "Seattle"),
            ("US-IL", "Chicago"), ("US-CA", "Los Angeles"))),
    "DE": (("79.192", "84.128", "87.128", "91.0", "93.200"),
           (("DE-BE", "Berlin"), ("DE-BY", "Munich"), ("DE-HH", "Hamburg"), ("DE-HE", "Frankfurt am Main"))),
    "GB": (("81.128", "86.128", "86.140", "82.0"),
           (("GB-LND", "London"), ("GB-MAN", "Manchester"), ("GB-EDH", "Edinburgh"))),
    "FR": (("90.0", "86.192", "92.128", "90.100"), (("FR-IDF", "Paris"), ("FR-ARA", "Lyon"), ("FR-OCC", "Toulouse"))),
    "NL": (("145.100", "84.104", "77.160", "84.80"),
           (("NL-NH", "Amsterdam"), ("NL-ZH", "Rotterdam"), ("NL-UT", "Utrecht"))),
    "IN": (("117.192", "117.200", "59.88", "49.36"),
           (("IN-KA", "Bengaluru"), ("IN-MH", "Mumbai"), ("IN-DL", "New Delhi"))),
    "BR": (("200.140", "187.10"), (("BR-SP", "São Paulo"), ("BR-RJ", "Rio de Janeiro"))),
    "CA": (("70.24", "99.224", "174.112"), (("CA-ON", "Toronto"), ("CA-QC", "Montreal"), ("CA-BC", "Vancouver"))),
    "JP": (("126.0", "126.100", "60.32", "114.160"), (("JP-13", "Tokyo"), ("JP-27", "Osaka"))),
    "AU": (("1.120", "101.160", "58.160", "120.144"), (("AU-NSW", "Sydney"), ("AU-VIC", "Melbourne"))),
    "ES": (("88.0", "83.32", "80.24", "88.20"), (("ES-MD", "Madrid"), ("ES-CT", "Barcelona"))),
    "IT": (("79.0", "87.0", "93.40", "79.20"), (("IT-25", "Milan"), ("IT-62", "Rome"))),
    "SE": (("78.64", "90.224", "81.224", "78.70"), (("SE-AB", "Stockholm"), ("SE-O", "Gothenburg"))),
    "PL": (("83.0", "79.184", "89.64", "83.20"), (("PL-14", "Warsaw"), ("PL-12", "Kraków"))),
    "AT": (("80.108", "84.112"), (("AT-9", "Vienna"),)),
    "CH": (("85.0", "178.192", "178.194"), (("CH-ZH", "Zurich"), ("CH-GE", "Geneva"))),
    "BE": (("81.240", "91.176", "84.192"), (("BE-BRU", "Brussels"),)),
    "IE": (("86.40", "89.100", "109.76"), (("IE-L", "Dublin"),)),
    "MX": (("187.128", "189.128"), (("MX-CMX", "Mexico City"),)),
}  # fmt: skip

# the browser's language (demo.LANGUAGES) -> (weight, country)
COUNTRIES: dict[str, tuple[tuple[int, str], ...]] = {
    "en-US": ((50, "US"), (10, "IN"), (8, "CA"), (6, "AU"), (5, "BR"), (5, "JP"), (4, "SE"), (4, "PL"), (4, "IT"),
              (4, "NL")),
    "en-GB": ((80, "GB"), (12, "IE"), (8, "AU")),
    "de-DE": ((80, "DE"), (10, "AT"), (10, "CH")),
    "fr-FR": ((82, "FR"), (10, "BE"), (8, "CA")),
    "nl-NL": ((85, "NL"), (15, "BE")),
    "es-ES": ((70, "ES"), (30, "MX")),
}  # fmt: skip


def _bounds(choices: tuple[tuple[int, str], ...]) -> list[tuple[int, str]]:
    """Each country's upper bound on the weights' running total."""
    total, bounds = 0, []
    for weight, name in choices:
        total += weight
        bounds.append((total, name))
    return bounds


def locate(language: str, a: int, b: int, c: int) -> tuple[str, dict[str, Any]]:
    """(IP, the line's country_code/region/city) for a visitor whose former address was 10.a.b.c."""
    mixed = ((a << 16 | b << 8 | c) * 2654435761) % 2**32  # Knuth's multiplicative hash: a spread of the octets
    choices = COUNTRIES[language]
    point = mixed % sum(weight for weight, _ in choices)
    country = next(name for bound, name in _bounds(choices) if point < bound)
    blocks, cities = PLACES[country]
    frequent = (cities[0],) * 2 + cities  # the first city counts thrice
    region, city = frequent[(mixed >> 12) % len(frequent)]
    return f"{blocks[a % len(blocks)]}.{b}.{c}", {"country_code": country, "region": region, "city": city}
