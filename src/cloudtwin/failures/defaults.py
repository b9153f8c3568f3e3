"""Default failure rates per domain, each from a published figure, and `failures:` resolution.

`failures: default` (or `failures: {defaults: true, ...}`) turns on the server, rack and
datacenter levels below; a level written in the scenario replaces its default whole.
Zones and regions have no default: no provider publishes a rate of whole-zone or
whole-region failures, so a scenario that wants them states its own figures.

Sources:
- [AFR] Azure component annual failure rates, from Lyu et al., "Hyrax: Fail-in-Place Server
  Operation in Cloud Platforms", OSDI'23, as shipped in Azure/AzurePublicDataset
  `analysis/GreenSKU-Framework/data/AFR_data/afr_data.yaml` (copy: shared/data/azure-greensku-2023/):
  DRAM 0.1 %/DIMM, SSD 0.2 %/drive, rest of server 2.4 %, 75 % of DRAM/SSD failures tolerated in
  place. The same repository's `server_configs/Eval-Configs/Baseline.yaml` (commit cb27a78) is a
  server of 12 DIMMs and 6 SSDs, and its `src/maintenance_model.py` sums AFR × count × (1 − FIP).
- [DEAN] J. Dean, "Designs, Lessons and Advice from Building Large Distributed Systems", LADIS 2009
  keynote (the same list at Google I/O 2008, as reported by CNET and datacenterknowledge.com,
  2008-05-30): in a new ~1,800-machine cluster's first year (40 machines a rack), ~1 PDU failure
  (~500–1000 machines suddenly disappear, ~6 hours to come back), ~20 rack failures (40–80 machines
  instantly disappear, 1–6 hours to get back), ~1000 individual machine failures.
- [FORD] D. Ford et al., "Availability in Globally Distributed Storage Systems", OSDI'10: a large
  fraction of failures come in bursts, and most large bursts are rack or multi-rack events —
  the reason rack and datacenter levels fail a contiguous share of their servers at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from cloudtwin.errors import FailureModelError
from cloudtwin.scenario.checks import FIBER_PREFIX
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.model import FailureLevel, Failures, Injection, Restart, Scenario

LevelName = Literal["server", "rack", "datacenter", "zone", "region"]

# Level codes, smallest domain first: the `level` column of the failure event table.
SERVER, RACK, DATACENTER, ZONE, REGION = 0, 1, 2, 3, 4
LEVEL_NAMES: tuple[LevelName, ...] = ("server", "rack", "datacenter", "zone", "region")
LEVEL_CODE: dict[str, int] = {name: code for code, name in enumerate(LEVEL_NAMES)}

DAYS_PER_YEAR = 365.25

# --------------------------------------------------------------------------- server [AFR]

DRAM_AFR_PERCENT_PER_DIMM = 0.1
SSD_AFR_PERCENT_PER_DRIVE = 0.2
REST_AFR_PERCENT = 2.4
FAIL_IN_PLACE_SHARE = 0.75  # of DRAM and SSD failures; rest-of-server failures always need a repair
DIMMS_PER_SERVER = 12  # GreenSKU Baseline.yaml
SSDS_PER_SERVER = 6  # GreenSKU Baseline.yaml

# 2.4 + 0.1·12·0.25 + 0.2·6·0.25 = 2.4 + 0.3 + 0.3 = 3.0 % of servers a year need a repair.
SERVER_AFR = (
    REST_AFR_PERCENT
    + (DRAM_AFR_PERCENT_PER_DIMM * DIMMS_PER_SERVER + SSD_AFR_PERCENT_PER_DRIVE * SSDS_PER_SERVER)
    * (1 - FAIL_IN_PLACE_SHARE)
) / 100
# MTTF_days = 365.25 / AFR = 365.25 / 0.030 = 12,175 days (33.3 years).
SERVER_MTTF_DAYS = DAYS_PER_YEAR / SERVER_AFR
# estimate: Hyrax (OSDI'23) says a server awaiting a technician is out of service "for days",
# parts sometimes for months; we take a 3-day mean with a heavy lognormal tail (sigma 1).
SERVER_REPAIR_HOURS = 72.0
SERVER_REPAIR_SIGMA = 1.0

# --------------------------------------------------------------------------- rack [DEAN]

CLUSTER_MACHINES = 1800
MACHINES_PER_RACK = 40
RACK_FAILURES_PER_CLUSTER_YEAR = 20
# 20 failures a year over 1800 / 40 = 45 racks: MTTF = 365.25 · 45 / 20 = 821.8 days per rack.
RACK_MTTF_DAYS = DAYS_PER_YEAR * (CLUSTER_MACHINES / MACHINES_PER_RACK) / RACK_FAILURES_PER_CLUSTER_YEAR
# "1–6 hours to get back": a lognormal with that range as its 5th–95th percentiles
# (estimate: the range's shape is not published). sigma = ln 6 / (2 · 1.6449) = 0.545,
# median √6 = 2.45 h, mean = median · e^(sigma²/2) = 2.84 h.
RACK_REPAIR_RANGE_HOURS = (1.0, 6.0)
_Z95 = 1.6448536269514722
RACK_REPAIR_SIGMA = math.log(RACK_REPAIR_RANGE_HOURS[1] / RACK_REPAIR_RANGE_HOURS[0]) / (2 * _Z95)
RACK_REPAIR_HOURS = math.sqrt(RACK_REPAIR_RANGE_HOURS[0] * RACK_REPAIR_RANGE_HOURS[1]) * math.exp(
    RACK_REPAIR_SIGMA**2 / 2
)

# --------------------------------------------------------------------------- datacenter (PDU) [DEAN]

PDU_FAILURES_PER_CLUSTER_YEAR = 1
PDU_MACHINES = (500, 1000)
PDU_REPAIR_HOURS = 6.0
# A PDU failure takes (500 + 1000) / 2 = 750 of a cluster's 1800 machines: share 0.4167. Our
# datacenters hold 50,000–80,000 servers, not one cluster, so the share is kept and the rate per
# datacenter is one a year: each server is then hit 1 · 0.4167 times a year, as in the cluster
# (estimate: the mapping keeps every server's exposure, not the burst's size in machines).
PDU_BURST_SHARE = (PDU_MACHINES[0] + PDU_MACHINES[1]) / 2 / CLUSTER_MACHINES
DATACENTER_MTTF_DAYS = DAYS_PER_YEAR / PDU_FAILURES_PER_CLUSTER_YEAR

DEFAULT_LEVELS: dict[LevelName, FailureLevel] = {
    "server": FailureLevel(
        mttf_days=SERVER_MTTF_DAYS,
        repair_hours=SERVER_REPAIR_HOURS,
        time_to_repair="lognormal",
        repair_sigma=SERVER_REPAIR_SIGMA,
    ),
    "rack": FailureLevel(
        mttf_days=RACK_MTTF_DAYS,
        repair_hours=RACK_REPAIR_HOURS,
        time_to_repair="lognormal",
        repair_sigma=RACK_REPAIR_SIGMA,
    ),
    "datacenter": FailureLevel(
        mttf_days=DATACENTER_MTTF_DAYS,
        repair_hours=PDU_REPAIR_HOURS,
        time_to_repair="fixed",
        burst_share=PDU_BURST_SHARE,
    ),
}


@dataclass(frozen=True)
class ResolvedFailures:
    """The failure levels in force (defaults merged with the scenario's own), injections and restart rules."""

    levels: dict[LevelName, FailureLevel]
    inject: tuple[Injection, ...]  # of parts of the world (servers ... regions)
    restart: Restart
    fiber: FailureLevel | None = None  # cuts of the fiber paths between regions (the network's, not the VMs')
    fiber_inject: tuple[Injection, ...] = ()  # scripted cuts, `fiber:A--B`

    @property
    def any_level(self) -> bool:
        """Whether any domain fails at random (injections aside)."""
        return bool(self.levels)


def resolve_failures(failures: Failures | Literal["default"] | None) -> ResolvedFailures:
    """Merge `failures:` with the cited defaults: `default` or `defaults: true` fills the levels left unset."""
    if failures is None:
        return ResolvedFailures(levels={}, inject=(), restart=Restart())
    if failures == "default":
        failures = Failures(defaults=True)
    levels: dict[LevelName, FailureLevel] = {}
    for name in LEVEL_NAMES:
        own = getattr(failures, name)
        if own is not None:
            levels[name] = own
        elif failures.defaults and name in DEFAULT_LEVELS:
            levels[name] = DEFAULT_LEVELS[name]
    world = tuple(item for item in failures.inject if not item.fail.startswith(FIBER_PREFIX))
    fiber = tuple(item for item in failures.inject if item.fail.startswith(FIBER_PREFIX))
    return ResolvedFailures(
        levels=levels, inject=world, restart=failures.restart, fiber=failures.fiber, fiber_inject=fiber
    )


def scenario_failures(scenario: Scenario) -> ResolvedFailures:
    """`resolve_failures(scenario.failures)`, with the servers failing at their server type's `annual_failure_rate`
    where it is given: the server level's mean up time becomes DAYS_PER_YEAR / rate (its repair time and
    distribution kept, the default's when the scenario names no server level). Nothing fails with `failures: null`.

    A world has one server failure level, so the server types its datacenters use must agree on a rate (or give
    none); a FailureModelError names them otherwise.
    """
    resolved = resolve_failures(scenario.failures)
    if scenario.failures is None:
        return resolved
    rate = server_failure_rate(scenario)
    if rate is None:
        return resolved
    base = resolved.levels.get("server", DEFAULT_LEVELS["server"])
    levels = {**resolved.levels, "server": base.model_copy(update={"mttf_days": DAYS_PER_YEAR / rate})}
    return ResolvedFailures(
        levels={name: levels[name] for name in LEVEL_NAMES if name in levels},
        inject=resolved.inject,
        restart=resolved.restart,
        fiber=resolved.fiber,
        fiber_inject=resolved.fiber_inject,
    )


def server_failure_rate(scenario: Scenario) -> float | None:
    """The `annual_failure_rate` the server types in use carry (None when none does); FailureModelError when two
    types in use carry different ones, or one carries a rate and another none."""
    used = dict.fromkeys(
        dc.server_type
        for region in expand_world(scenario).world.regions
        for zone in region.zones
        if isinstance(zone.datacenters, list)
        for dc in zone.datacenters
    )
    rates = {name: scenario.server_types[name].annual_failure_rate for name in used if name in scenario.server_types}
    distinct = set(rates.values())
    if len(distinct) > 1:
        shown = ", ".join(f"`{name}` {rate}" for name, rate in rates.items())
        raise FailureModelError(
            "server_types: the world has one server failure level, so the server types its datacenters use must"
            f" carry the same annual_failure_rate, or none (got {shown})"
        )
    return next(iter(distinct), None)
