"""Draw docs/img/aws-2014-map.svg: the aws-2014 preset's regions on an equirectangular map.

Each circle is a region at its metro coordinates, its area proportional to the
region's servers; the label gives zones and servers. Run from the repo root:
`python docs/make_map.py`. Standard library + cloudtwin only (no plotting extra).
"""

from __future__ import annotations

import math
from pathlib import Path

from cloudtwin.scenario import load_preset
from cloudtwin.world import build_world

WIDTH, HEIGHT = 960, 480


def _xy(lat: float, lon: float) -> tuple[float, float]:
    return (lon + 180.0) / 360.0 * WIDTH, (90.0 - lat) / 180.0 * HEIGHT


def main() -> None:
    world = build_world(load_preset("aws-2014"))
    servers = world.servers_per("region")
    biggest = float(servers.max())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#0b1f33"/>',
    ]
    for lat in range(-60, 90, 30):  # graticule
        y = _xy(lat, 0)[1]
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" stroke="#1d3a57" stroke-width="0.6"/>')
    for lon in range(-150, 180, 30):
        x = _xy(0, lon)[0]
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{HEIGHT}" stroke="#1d3a57" stroke-width="0.6"/>')
    locs = world.region_location_deg
    for r in range(world.n_regions):  # private fiber between regions drawn as faint chords
        for s in range(r + 1, world.n_regions):
            (x1, y1), (x2, y2) = _xy(*locs[r]), _xy(*locs[s])
            if abs(x1 - x2) < WIDTH / 2:
                parts.append(
                    f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#f5a623" stroke-opacity="0.12"/>'
                )
    placed: list[tuple[float, float]] = []
    for r, name in enumerate(world.region_names):
        x, y = _xy(*locs[r])
        ty = y + 4
        while any(abs(ty - py) < 13 and abs(x - px) < 160 for px, py in placed):
            ty += 13  # nudge a label below its neighbours' (us-west-1/us-west-2/us-gov-west-1 sit close)
        placed.append((x, ty))
        radius = 4.0 + 22.0 * math.sqrt(servers[r] / biggest)
        zones = int(world.region_zone_start[r + 1] - world.region_zone_start[r])
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#f5a623" fill-opacity="0.55" stroke="#f5a623"/>'
        )
        label = f"{name}: {zones} zones, {servers[r] / 1000:.0f}k servers"
        parts.append(f'<text x="{x + radius + 3:.1f}" y="{ty:.1f}" fill="#e8eef5" font-size="11">{label}</text>')
    totals = world.totals()
    parts.append(
        f'<text x="12" y="{HEIGHT - 14}" fill="#e8eef5" font-size="13">cloudtwin aws-2014: {totals["regions"]} regions, '
        f"{totals['zones']} zones, {totals['datacenters']} data centers, {totals['servers']:,} servers</text>"
    )
    parts.append("</svg>")
    out = Path(__file__).parent / "img" / "aws-2014-map.svg"
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
