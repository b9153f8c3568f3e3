"""`cloudtwin latency`: the round trip between two named places, or between every pair of regions.

`cloudtwin latency [SCENARIO] FROM TO`: the pair's class and RTT p50, p99 and p99.9 with one basis line per part;
`--json` prints exactly `{"from", "to", "class", "rtt_ms": {"p50", "p99", "p999"}, "basis": [...]}`.
`cloudtwin latency [SCENARIO] --matrix`: the region-by-region table of p50 RTT (the diagonal: two zones of the
region); `--json` prints `{"regions": [...], "p50_ms": [[...]], "p99_ms": [[...]]}`.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import cast

from cloudtwin.errors import NetworkError
from cloudtwin.network.latency import NIC_KINDS, PairLatency, pair_latency
from cloudtwin.network.places import resolve_place
from cloudtwin.scenario.model import NicKind, Scenario
from cloudtwin.world import World, build_world

_PLACES = "a region, zone, datacenter, DC/rackK or DC/serverI"


def main(args: list[str], preset: str | None, sets: list[str], nic: str | None, matrix: bool, json_: bool) -> None:
    """Load the scenario (default preset `aws-2014`), build its world and print one pair's or every region pair's RTT."""
    from cloudtwin.cli.common import load_from_cli

    scenario_path, names = _split(args, matrix)
    kind = _nic(nic)
    loaded = load_from_cli(scenario_path, preset, sets)
    world = build_world(loaded)
    if matrix:
        _print_matrix(loaded, world, kind, json_)
    else:
        _print_pair(loaded, world, names[0], names[1], kind, json_)


def _split(args: list[str], matrix: bool) -> tuple[Path | None, list[str]]:
    """The optional scenario file and the place names among the positional arguments."""
    if matrix:
        if len(args) > 1:
            raise NetworkError(f"with --matrix give at most a scenario file, no places (got {' '.join(args)})")
        return (Path(args[0]) if args else None), []
    if len(args) == 2:
        return None, args
    if len(args) == 3:
        return Path(args[0]), args[1:]
    raise NetworkError(f"give FROM and TO ({_PLACES}), after an optional scenario file, or --matrix (got {len(args)})")


def _nic(nic: str | None) -> NicKind | None:
    if nic is not None and nic not in NIC_KINDS:
        raise NetworkError(f"--nic must be one of {', '.join(NIC_KINDS)} (got {nic!r})")
    return cast(NicKind | None, nic)


def _print_pair(scenario: Scenario, world: World, source: str, target: str, nic: NicKind | None, json_: bool) -> None:
    a, b = resolve_place(world, source), resolve_place(world, target)
    found = pair_latency(scenario, world, a, b, nic)
    if json_:
        out = {
            "from": source,
            "to": target,
            "class": found.pair_class,
            "rtt_ms": found.rtt_ms,
            "basis": list(found.basis),
        }
        sys.stdout.write(json.dumps(out) + "\n")
        return
    print(f"{scenario.name}: {source} ({a.level}) → {target} ({b.level}): {found.pair_class}")
    print("round trip: " + "   ".join(f"{label} {_ms(found.rtt_ms[key])} ms" for key, label in _LABELS.items()))
    print("basis:")
    for line in found.basis:
        print(textwrap.fill(line, width=100, initial_indent="  - ", subsequent_indent="    "))


_LABELS = {"p50": "p50", "p99": "p99", "p999": "p99.9"}


def _print_matrix(scenario: Scenario, world: World, nic: NicKind | None, json_: bool) -> None:
    places = [resolve_place(world, name) for name in world.region_names]
    cells: list[list[PairLatency]] = [[pair_latency(scenario, world, a, b, nic) for b in places] for a in places]
    if json_:
        out = {
            "regions": list(world.region_names),
            "p50_ms": [[c.rtt_ms["p50"] for c in row] for row in cells],
            "p99_ms": [[c.rtt_ms["p99"] for c in row] for row in cells],
        }
        sys.stdout.write(json.dumps(out) + "\n")
        return
    labels = _short_labels(world.region_names)
    width = max(6, *(len(label) + 1 for label in labels))
    nics = f"{nic} NICs" if nic else "each region's NICs"
    print(f"{scenario.name}: round-trip p50 between regions, ms ({nics}; diagonal: two zones of the region)")
    print(" " * width + "".join(label.rjust(width) for label in labels))
    for label, row in zip(labels, cells):
        print(label.ljust(width) + "".join(_ms(c.rtt_ms["p50"]).rjust(width) for c in row))
    legend = ", ".join(f"{label} {name}" for label, name in zip(labels, world.region_names) if label != name)
    if legend:
        print(textwrap.fill(legend, width=100))
    print(f"p99 and more: --json; one pair with its basis: cloudtwin latency {world.region_names[0]} REGION")


def _short_labels(names: tuple[str, ...]) -> list[str]:
    """AWS-style short region labels (us-east-1 → use1, ap-southeast-2 → aps2) when they stay distinct."""
    short = []
    for name in names:
        parts = name.split("-")
        short.append(parts[0] + "".join(p[:1] for p in parts[1:-1]) + parts[-1] if len(parts) > 2 else name)
    return short if len(set(short)) == len(short) else [f"r{i}" for i in range(len(names))]


def _ms(value: float) -> str:
    """Milliseconds: three decimals under 1 ms, two under 10 ms, one above."""
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"
