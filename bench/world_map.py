"""Build static/world-110m.json, the dashboard's world map, from Natural Earth's 1:110m countries.

A dev tool, run by hand when the map should change; nothing imports it at runtime and its two
packages (pyshp to read the shapefile, pycountry for ISO alpha-3 -> alpha-2) are build-time only:

    python3 -m pip install pyshp pycountry
    python3 -m bench.world_map /path/to/naturalearth_lowres.shp static/world-110m.json

The input is Natural Earth 1:110m "Admin 0 - Countries" (public domain, naturalearthdata.com),
version 5.1 as redistributed in the geopandas 0.14.4 wheel (geopandas/datasets/naturalearth_lowres:
fields name and iso_a3; geopandas had already replaced Natural Earth's "-99" ISO code by ADM0_A3 for
France, Norway, Northern Cyprus and Somaliland, and drawn Crimea with Ukraine as ISO 3166 does).

What it writes is small (about 60 KB) because the browser should not project anything: every
point is projected here (Natural Earth I, d3-geo's formula) onto a 1000-unit-wide grid, rounded to
whole units (finer than a pixel at dashboard sizes), and each ring is stored as its first point
then the deltas to the next, repeated points dropped. The dashboard's static/worldmap.js turns a
ring into an SVG path "M x y l dx dy ... z". Keys are ISO 3166-1 alpha-2 codes, the codes the
location lookup stores, so a report row finds its shape directly:

- Kosovo has no ISO code ("-99"); GeoIP databases (MaxMind, DB-IP) use the user-assigned "XK".
- Northern Cyprus (CYN) and Somaliland (SOL) are not ISO countries; the lookup databases place
  them in CY and SO, so their shapes are added to those countries.
- Antarctica is left out: it would take a fifth of the map's height for (nearly) no visitors;
  the table beside the map still lists AQ if it ever shows up.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

WIDTH = 1000
NORTH = 84.0  # Greenland's tip: the top of the grid before cropping
NOT_ISO = {"-99": None, "CYN": "CY", "SOL": "SO"}  # see the module docstring
BY_NAME = {"Kosovo": "XK"}
LEFT_OUT = {"AQ"}
SOURCE = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com. "
    "1:110m Admin 0 - Countries, version 5.1 (public domain), as redistributed in geopandas 0.14.4 "
    "(naturalearth_lowres); projected (Natural Earth I) and rounded by bench/world_map.py."
)


def natural_earth_1(lon: float, lat: float) -> tuple[float, float]:
    """The Natural Earth I projection (Savric, Jenny, Patterson; d3-geo's polynomial), in radians of the unit sphere."""
    lam, phi = math.radians(lon), math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)))
    y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    return x, y


SCALE = WIDTH / (2 * natural_earth_1(180, 0)[0])
TOP = natural_earth_1(0, NORTH)[1]


def grid_point(lon: float, lat: float) -> tuple[int, int]:
    x, y = natural_earth_1(lon, lat)
    return round(x * SCALE + WIDTH / 2), round((TOP - y) * SCALE)


def encode_ring(points: list[tuple[float, float]]) -> list[int] | None:
    """[x0, y0, dx1, dy1, ...] on the grid; None when the ring shrinks below a triangle there."""
    grid: list[tuple[int, int]] = []
    for lon, lat in points:
        point = grid_point(lon, lat)
        if not grid or grid[-1] != point:
            grid.append(point)
    if len(grid) > 1 and grid[0] == grid[-1]:
        grid.pop()  # the path's "z" closes it
    if len(set(grid)) < 3:
        return None
    flat = [grid[0][0], grid[0][1]]
    for (x0, y0), (x1, y1) in zip(grid, grid[1:], strict=False):
        flat += [x1 - x0, y1 - y0]
    return flat


def alpha2(name: str, iso_a3: str) -> str | None:
    import pycountry  # build-time only

    if name in BY_NAME:
        return BY_NAME[name]
    if iso_a3 in NOT_ISO:
        return NOT_ISO[iso_a3]
    found = pycountry.countries.get(alpha_3=iso_a3)
    return found.alpha_2 if found else None


def shape_rings(shape) -> list[list[tuple[float, float]]]:
    """A polygon's rings, outer ones and holes alike (South Africa's hole is Lesotho): the map fills even-odd."""
    starts = list(shape.parts) + [len(shape.points)]
    return [shape.points[a:b] for a, b in zip(starts, starts[1:], strict=False)]


def build(shapefile_path: Path) -> dict:
    import shapefile  # pyshp, build-time only

    countries: dict[str, list[list[int]]] = {}
    unknown = []
    for item in shapefile.Reader(str(shapefile_path)).shapeRecords():
        record = item.record.as_dict()
        code = alpha2(record["name"], record["iso_a3"])
        if code is None:
            unknown.append(record["name"])
            continue
        if code in LEFT_OUT:
            continue
        rings = [r for r in (encode_ring(ring) for ring in shape_rings(item.shape)) if r]
        countries.setdefault(code, []).extend(rings)
    if unknown:
        raise SystemExit(f"Error: no ISO alpha-2 code for {', '.join(unknown)}; add them to BY_NAME.")
    return {
        "source": SOURCE,
        "licence": "Public domain (Natural Earth terms of use: naturalearthdata.com/about/terms-of-use).",
        "projection": "Natural Earth I",
        **crop(countries),
    }


def crop(countries: dict[str, list[list[int]]]) -> dict:
    """Shift every ring so the land's own box starts at 0,0: no empty strip where no land reaches (at 180 W)."""
    xs, ys = [], []
    for rings in countries.values():
        for ring in rings:
            x, y = ring[0], ring[1]
            for i in range(0, len(ring), 2):
                if i:
                    x, y = x + ring[i], y + ring[i + 1]
                xs.append(x)
                ys.append(y)
    left, top = min(xs) - 1, min(ys) - 1
    for rings in countries.values():
        for ring in rings:
            ring[0] -= left
            ring[1] -= top
    return {
        "width": max(xs) - left + 1,
        "height": max(ys) - top + 1,
        "countries": {code: countries[code] for code in sorted(countries)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapefile", type=Path, help="naturalearth_lowres.shp (Natural Earth 1:110m countries)")
    parser.add_argument("out", type=Path, help="where to write the map, e.g. static/world-110m.json")
    args = parser.parse_args(argv)
    data = build(args.shapefile)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    size = args.out.stat().st_size
    print(f"{args.out}: {len(data['countries'])} countries, {data['width']}x{data['height']}, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
