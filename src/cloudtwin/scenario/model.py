"""The scenario format as frozen pydantic models: what a user can write, typed.

Per-field rules (types, ranges, unknown keys) live here; rules that relate one
part of a scenario to another (unique names, references) live in
`cloudtwin.scenario.checks`, so every problem can be reported at once with its
key path. Units are in the key names (`memory_gib`, `mean_hours`, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from cloudtwin.scenario.fields import (
    Fraction,
    Frozen,
    Name,
    NonNegFloat,
    Number,
    PositiveFloat,
    PositiveInt,
)
from cloudtwin.scenario.sections import Economics as Economics  # the sections, read through this module too
from cloudtwin.scenario.sections import FiberPath as FiberPath
from cloudtwin.scenario.sections import Growth as Growth
from cloudtwin.scenario.sections import Latency as Latency
from cloudtwin.scenario.sections import Links as Links
from cloudtwin.scenario.sections import Network as Network
from cloudtwin.scenario.sections import Planning as Planning
from cloudtwin.scenario.sections import Traffic as Traffic

# --------------------------------------------------------------------------- hardware

#: How a server's NIC reaches its VMs: one hardware function per VM (SR-IOV), a paravirtual driver through the
#: hypervisor, or an emulated device. Each adds its own per-packet latency and jitter (docs/network.md).
NicKind = Literal["sr-iov", "paravirtual", "emulated"]


class ServerType(Frozen):
    """A server model: what one server offers to virtual machines."""

    vcpus: PositiveInt
    memory_gib: PositiveFloat
    cpu: str | None = None
    nic: NicKind | None = None  # None: the network section's `sriov` decides (true: sr-iov, false: paravirtual)
    description: str | None = None
    power_watts: PositiveFloat | None = None  # critical power provisioned per server (economics, planning)
    price_usd: NonNegFloat | None = None  # purchase price (economics: amortised over `server_amortization_years`)
    #: Share of these servers that need a repair in a year. When set (and failures are on), it is the servers' rate
    #: of failure: the server level's mttf_days = 365.25 / rate (docs/economics.md, "Custom against commodity").
    annual_failure_rate: Annotated[float, Field(gt=0, le=1), Number] | None = None


#: EC2's 2014 "network performance" classes (the instance-type tables name no figure).
NetworkClass = Literal["very-low", "low", "low-to-moderate", "moderate", "high", "10-gigabit"]


class InstanceType(Frozen):
    """An instance type sold to tenants: its size, its on-demand price and its network performance."""

    vcpus: PositiveInt
    memory_gib: PositiveFloat
    price_per_hour: NonNegFloat
    family: str | None = None
    description: str | None = None
    network: NetworkClass | None = None  # None: "moderate" (docs/network.md)
    network_gbps: PositiveFloat | None = None  # a measured figure; overrides `network`


# --------------------------------------------------------------------------- world


class Location(Frozen):
    """A point on Earth in degrees (WGS84)."""

    lat: Annotated[float, Field(ge=-90, le=90), Number]
    lon: Annotated[float, Field(ge=-180, le=180), Number]


class Datacenter(Frozen):
    """One data center: a number of identical servers in racks."""

    name: Name
    servers: PositiveInt
    server_type: str
    servers_per_rack: PositiveInt | None = None


class DatacenterGroup(Frozen):
    """Shorthand for `count` data centers named `<zone>1`, `<zone>2`, ...; sizes drawn with the seed."""

    count: PositiveInt
    servers: PositiveInt | tuple[PositiveInt, PositiveInt]
    server_type: str
    servers_per_rack: PositiveInt | None = None

    @field_validator("servers")
    @classmethod
    def _range_ordered(cls, v: int | tuple[int, int]) -> int | tuple[int, int]:
        if isinstance(v, tuple) and v[0] > v[1]:
            raise ValueError(f"[min, max] must have min <= max (got [{v[0]}, {v[1]}])")
        return v


class Zone(Frozen):
    """An availability zone: one or more data centers with transparent failover between them."""

    name: Name
    datacenters: Annotated[list[Datacenter], Field(min_length=1)] | DatacenterGroup
    description: str | None = None


class Region(Frozen):
    """A region: two or more zones (one allowed for experiments) at one metro location."""

    name: Name
    location: Location
    zones: Annotated[list[Zone], Field(min_length=1)]
    display_name: str | None = None
    utc_offset_hours: Annotated[float, Field(ge=-12, le=14), Number] | None = None
    launched: str | None = None


class World(Frozen):
    """The physical world: regions of zones of data centers."""

    regions: Annotated[list[Region], Field(min_length=1)]
    servers_per_rack: PositiveInt = 40


# --------------------------------------------------------------------------- horizon


class Horizon(Frozen):
    """How long to simulate, from which initial state, and how often to sample metrics."""

    days: PositiveFloat = 1.0
    start: Literal["steady", "empty"] = "steady"
    sample_every_minutes: PositiveFloat = 60.0


# --------------------------------------------------------------------------- workload


class Diurnal(Frozen):
    """Sinusoidal day/night modulation of an arrival rate, peaking at `peak_hour` local time."""

    amplitude: Fraction
    peak_hour: Annotated[float, Field(ge=0, lt=24), Number] = 14.0


class PoissonArrivals(Frozen):
    """Poisson arrivals at `per_hour`, optionally modulated by time of day and growing per year."""

    per_hour: PositiveFloat
    diurnal: Diurnal | None = None
    growth_per_year: Annotated[float, Field(gt=-1), Number] = 0.0


class TraceArrivals(Frozen):
    """Arrivals replayed from a trace file (relative paths resolve against the scenario file)."""

    trace: Annotated[str, Field(min_length=1)]
    format: Literal["azure-v1-slices", "azure-vmtable"]


class ExponentialLifetime(Frozen):
    distribution: Literal["exponential"]
    mean_hours: PositiveFloat


class LognormalLifetime(Frozen):
    distribution: Literal["lognormal"]
    median_hours: PositiveFloat
    sigma: PositiveFloat


class EmpiricalLifetime(Frozen):
    """The Azure V1 (2017) VM lifetime distribution shipped with cloudtwin."""

    distribution: Literal["empirical"]
    source: Literal["azure-v1"] = "azure-v1"


Lifetime = Annotated[
    ExponentialLifetime | LognormalLifetime | EmpiricalLifetime,
    Field(discriminator="distribution"),
]


class Workload(Frozen):
    """A stream of VM requests: when they arrive, what they ask for, how long they stay, where."""

    name: Name
    instances: dict[str, NonNegFloat] | None = None
    arrivals: PoissonArrivals | TraceArrivals
    lifetime: Lifetime | None = None
    zones: list[str] | dict[str, NonNegFloat] | None = None
    regions: list[str] | dict[str, NonNegFloat] | None = None
    traffic: Traffic | None = None  # None: the network section's `traffic`

    @model_validator(mode="after")
    def _consistent(self) -> Workload:
        if self.zones is not None and self.regions is not None:
            raise ValueError("give `zones` or `regions`, not both")
        if isinstance(self.arrivals, PoissonArrivals):
            if self.instances is None:
                raise ValueError("`instances` (instance type -> share) is required with Poisson arrivals")
            if self.lifetime is None:
                raise ValueError("`lifetime` is required with Poisson arrivals")
        if self.instances is not None and sum(self.instances.values()) <= 0:
            raise ValueError("instance shares must not all be zero")
        for label, weights in (("zones", self.zones), ("regions", self.regions)):
            if isinstance(weights, dict) and sum(weights.values()) <= 0:
                raise ValueError(f"`{label}` weights must not all be zero")
        return self


# --------------------------------------------------------------------------- placement


class Placement(Frozen):
    """How a server is chosen for a VM within its target zone."""

    policy: Literal["first-fit", "best-fit", "worst-fit", "random", "power-of-two"] = "first-fit"


# --------------------------------------------------------------------------- services


class HealthyWhen(Frozen):
    at_least: PositiveInt


class ServiceTraffic(Frozen):
    """Requests to a service from clients in named regions (`clients`: region -> share, or a list, equal shares);
    `writes`: the share of requests that also wait for a quorum of replicas. Each request goes to the nearest
    running replica (docs/network.md, "Service latency"). `requests_per_s` is the offered rate: its requests and
    responses (and each write's copies to the other replicas) are traffic on the links; latency does not depend
    on it (the fabric's latency does not depend on load)."""

    requests_per_s: PositiveFloat | None = None  # None: no request traffic on the links (latency only)
    clients: Annotated[list[str], Field(min_length=1)] | dict[str, NonNegFloat]
    writes: Fraction = 0.0
    request_kb: PositiveFloat = 2.0  # estimate (docs/network.md): a small RPC or HTTP request with its headers
    response_kb: PositiveFloat = 16.0  # estimate: a typical web API response

    @model_validator(mode="after")
    def _shares(self) -> ServiceTraffic:
        if isinstance(self.clients, dict) and (not self.clients or sum(self.clients.values()) <= 0):
            raise ValueError("`clients` shares must not all be zero")
        if isinstance(self.clients, list) and len(set(self.clients)) != len(self.clients):
            raise ValueError("`clients` names a region twice")
        return self

    def client_shares(self) -> dict[str, float]:
        """Each client region's share of the requests, summing to 1."""
        weights = dict.fromkeys(self.clients, 1.0) if isinstance(self.clients, list) else dict(self.clients)
        total = sum(weights.values())
        return {name: w / total for name, w in weights.items()}


class Service(Frozen):
    """N replicas of one instance type spread over failure domains; healthy while `at_least` run."""

    name: Name
    instance_type: str
    replicas: PositiveInt
    spread: Literal["zones", "datacenters", "regions"] = "zones"
    zones: list[str] | None = None
    regions: list[str] | None = None
    healthy_when: HealthyWhen
    replace_in_other_zone: bool = False
    traffic: ServiceTraffic | None = None  # None: no requests, no request latency

    @model_validator(mode="after")
    def _quorum(self) -> Service:
        if self.healthy_when.at_least > self.replicas:
            raise ValueError(f"healthy_when.at_least ({self.healthy_when.at_least}) exceeds replicas ({self.replicas})")
        return self


# --------------------------------------------------------------------------- failures


class FailureLevel(Frozen):
    """Failures of one kind of domain: mean up-time, mean repair time and their distributions."""

    mttf_days: PositiveFloat
    repair_hours: PositiveFloat
    time_to_failure: Literal["exponential", "weibull"] = "exponential"
    weibull_shape: PositiveFloat = 1.0
    time_to_repair: Literal["exponential", "lognormal", "fixed"] = "exponential"
    repair_sigma: PositiveFloat = 1.0
    burst_share: Annotated[float, Field(gt=0, le=1), Number] = 1.0


class Injection(Frozen):
    """A scripted failure of a named part of the world."""

    fail: Annotated[str, Field(min_length=1)]
    at_hours: NonNegFloat
    for_hours: PositiveFloat


class Restart(Frozen):
    """How interrupted VMs come back: after a delay, in the same zone, if room appears in time."""

    # Azure's auto-recovery relocates the VMs of a failed host to a healthy one, a process that
    # "typically completes within 15 minutes" (Microsoft Learn, "Understand a system reboot for Azure
    # VM", section Auto-recovery). 5 minutes is an estimate inside that bound (detection plus a boot),
    # not a published mean.
    delay_minutes: NonNegFloat = 5.0
    # estimate: how long the platform keeps looking for room before a VM is given up. No provider
    # publishes one; EC2 lists "temporary, insufficient capacity of replacement hardware" as a reason
    # automatic recovery fails (EC2 User Guide, "Recover your instance"). An hour is taken as the point
    # where a tenant relaunches by hand rather than waits.
    timeout_hours: NonNegFloat = 1.0


class Failures(Frozen):
    """What fails, how often and for how long, per failure domain; scripted injections."""

    defaults: bool = False
    server: FailureLevel | None = None
    rack: FailureLevel | None = None
    datacenter: FailureLevel | None = None
    zone: FailureLevel | None = None
    region: FailureLevel | None = None
    fiber: FailureLevel | None = None  # cuts of the fiber paths between regions (network.links.fiber)
    inject: list[Injection] = []
    restart: Restart = Restart()


# --------------------------------------------------------------------------- scenario


class Scenario(Frozen):
    """A whole scenario: the world, what runs on it, what fails, for how long."""

    name: Name
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63), Number] = 0
    horizon: Horizon = Horizon()
    server_types: Annotated[dict[str, ServerType], Field(min_length=1)]
    instance_types: dict[str, InstanceType] = {}
    world: World
    workload: list[Workload] = []
    placement: Placement = Placement()
    services: list[Service] = []
    failures: Literal["default"] | Failures | None = None
    network: Network = Network()
    growth: Growth = Growth()
    planning: Planning = Planning()
    economics: Economics = Economics()
    #: Where the scenario was read from (key path -> line), so later checks can name file and line.
    _source: object = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal when the data are equal (where a scenario was read from does not count)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # holds dicts and lists: not hashable

    def with_(self, changes: Mapping[str, object]) -> Scenario:
        """A copy with each dotted key set to its value (`{"placement.policy": "best-fit"}`), validated like `--set`.

        A bad key or value is a ScenarioError naming it; the scenario itself is frozen and stays as it was.
        """
        from cloudtwin.scenario.loader import vary_scenario  # the loader builds on this module

        return vary_scenario(self, changes)
