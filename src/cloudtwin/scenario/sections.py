"""The scenario's network, growth, planning and economics sections (the format's later sections, kept apart from
`model.py`'s world, workload, services and failures so each file stays short)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from cloudtwin.scenario.fields import Fraction, Frozen, NonNegFloat, Number, PositiveFloat, PositiveInt

# --------------------------------------------------------------------------- network


class Traffic(Frozen):
    """How much of a VM's network capacity it uses on average, and the shares of its traffic that leave its
    datacenter for another of its zone, another zone of its region, another region (the rest stays inside).
    Defaults are estimates (docs/network.md)."""

    utilization: Fraction = 0.10
    cross_datacenter: Fraction = 0.10
    cross_zone: Fraction = 0.05
    cross_region: Fraction = 0.01

    @model_validator(mode="after")
    def _shares(self) -> Traffic:
        if self.cross_datacenter + self.cross_zone + self.cross_region > 1:
            raise ValueError("cross_datacenter + cross_zone + cross_region must not exceed 1")
        return self


class FiberPath(Frozen):
    """A fiber path between two regions and the capacity the cloud has on it."""

    between: Annotated[list[str], Field(min_length=2, max_length=2)]
    tbps: PositiveFloat | None = None  # None: `links.fiber_tbps`


class Links(Frozen):
    """The links that bind: each datacenter's way in and out, each pair of zones of a region, the fiber between
    regions. Capacities in Tbps; defaults are the seed's or estimates (docs/network.md)."""

    datacenter_outbound_tbps: PositiveFloat | None = None  # None: `network.datacenter_inbound_tbps`
    zone_pair_tbps: PositiveFloat = 10.0
    fiber_tbps: PositiveFloat = 10.0
    fiber: list[FiberPath] = []  # empty: a direct path between every pair of regions


Ratio = Annotated[float, Field(ge=1), Number]


class Latency(Frozen):
    """Round-trip-time parameters inside a region: the fabric's median per pair class (NIC to NIC; between zones
    it is `network.inter_zone_latency_ms`) and each NIC kind's per-end tax, as median and p99/p50 of a log-normal.
    Sources in docs/network.md; cloudtwin.network.latency turns them into distributions."""

    same_rack_rtt_ms: PositiveFloat = 0.010  # estimate: one ToR switch; AccelNet's < 15 us VM-to-VM (NSDI'18) bounds it
    same_datacenter_rtt_ms: PositiveFloat = 0.078  # EC2 same-zone pings, 0.26 ms (orensol.com, 2009), less 2 x 0.091
    cross_datacenter_rtt_ms: PositiveFloat = 0.18  # estimate: same-datacenter + 2 x ~10 km of fiber at 200 km/ms
    sriov_per_end_ms: PositiveFloat = 0.043  # EC2 enhanced networking: 92-100 us round trips (scalablelogic, 2014)
    sriov_p99_over_p50: Ratio = 1.5  # estimate (seed: SR-IOV gives "less latency jitter")
    paravirtual_per_end_ms: PositiveFloat = 0.091  # twice SR-IOV's round trip ("half the latency", ibid.)
    paravirtual_p99_over_p50: Ratio = 3.0  # estimate
    emulated_per_end_ms: PositiveFloat = 0.182  # estimate: twice the paravirtual tax; no published figure found
    emulated_p99_over_p50: Ratio = 4.0  # estimate

    @model_validator(mode="after")
    def _ordered(self) -> Latency:
        if not self.same_rack_rtt_ms <= self.same_datacenter_rtt_ms <= self.cross_datacenter_rtt_ms:
            raise ValueError("need same_rack_rtt_ms <= same_datacenter_rtt_ms <= cross_datacenter_rtt_ms")
        return self


class Network(Frozen):
    """The network between servers, zones and regions (seed: SR-IOV NICs, < 2 ms between zones)."""

    sriov: bool = True
    #: Median round trip between zones over the fabric, NIC to NIC: EC2 cross-zone pings of 2009, 0.94-1.13 ms
    #: (orensol.com, 2009-05-24), less the two paravirtual NICs' 0.182 ms (seed: "normally less than 1ms").
    inter_zone_latency_ms: PositiveFloat = 0.85
    inter_zone_latency_max_ms: PositiveFloat = 2.0  # seed: "less than 2ms": the fabric's p99.9 between zones
    fiber_km_per_ms: PositiveFloat = 200.0
    path_stretch: Annotated[float, Field(ge=1), Number] = 1.5
    peak_inter_zone_tbps: PositiveFloat | None = None
    datacenter_inbound_tbps: PositiveFloat | None = None
    links: Links = Links()
    traffic: Traffic = Traffic()
    latency: Latency = Latency()

    @model_validator(mode="after")
    def _latency_ordered(self) -> Network:
        if not self.latency.cross_datacenter_rtt_ms <= self.inter_zone_latency_ms < self.inter_zone_latency_max_ms:
            raise ValueError(
                "need latency.cross_datacenter_rtt_ms <= inter_zone_latency_ms < inter_zone_latency_max_ms"
            )
        return self


# --------------------------------------------------------------------------- growth


class Growth(Frozen):
    """Year-on-year demand growth, as fractions (0.99 = +99 %/yr), used by capacity planning."""

    #: None: each Poisson workload grows at its own `arrivals.growth_per_year` (what a run simulates); a number
    #: overrides them all in a plan (docs/planning.md).
    compute_per_year: Annotated[float, Field(gt=-1), Number] | None = None
    storage_per_year: Annotated[float, Field(gt=-1), Number] = 0.0


class Planning(Frozen):
    """How `cloudtwin plan` grows capacity: when a datacenter is ordered, how big it is, how long it takes to land.

    Each default's source is in docs/planning.md; `estimate` there (and here) where none is published.
    """

    lead_time_months: Annotated[int, Field(ge=0, le=120), Number] = 12  # estimate: low end of 12-18 months' build
    target_utilization: Annotated[float, Field(gt=0, le=1), Number] = 0.80  # estimate: top of DESIGN.md's 60-80 %
    n_plus_1_utilization: Annotated[float, Field(gt=0, le=1), Number] = 1.0  # definition: peak fits without a zone
    start: Literal["steady", "empty"] = "steady"  # steady: the lead time's builds are already in flight
    datacenter_servers: PositiveInt | None = None  # None: the mean of the region's datacenters, whole racks
    datacenter_power_mw: PositiveFloat = 30.0  # Hamilton: "between 25 and 30 megawatts" (DCK, 2015)
    server_power_watts: PositiveFloat | None = None  # None: the server type's, else `economics.server_power_watts`
    vcpus_per_server_growth_per_year: Annotated[float, Field(ge=0), Number] = 0.26  # estimate: 36 -> 72 in ~3 yr
    weekly_peak_factor: Annotated[float, Field(ge=1), Number] = 1.0  # the workloads have no weekly cycle


# --------------------------------------------------------------------------- economics


class Economics(Frozen):
    """What the provider's datacenters cost and what tenants pay beyond instance-hours (`cloudtwin cost`).

    Defaults: J. Hamilton's data center cost model ("Overall Data Center Costs", Perspectives, 2010; "Cost of Power in
    Large-Scale Data Centers", 2008); the source of each, or `estimate` and why, in docs/economics.md.
    """

    server_amortization_years: PositiveFloat = 3.0  # Hamilton 2010: servers "typically in the three year range"
    network_amortization_years: PositiveFloat = 4.0  # estimate: network gear outlives a server generation
    facility_amortization_years: PositiveFloat = 15.0  # Hamilton 2010: "10 to 15 years"; his 2008 model: 15
    cost_of_money_per_year: Annotated[float, Field(ge=0, le=1), Number] = 0.05  # Hamilton 2008/2010 models: 5 %
    facility_usd_per_watt: NonNegFloat = 200.0 / 15.0  # Hamilton 2008: ~$200M for a 15 MW (critical) facility
    power_distribution_cooling_share: Fraction = 0.82  # of facility cost; Belady & Manos, quoted by Hamilton 2008
    pue: Annotated[float, Field(ge=1), Number] = 1.45  # Hamilton 2010 model
    power_usd_per_kwh: NonNegFloat = 0.07  # Hamilton 2008 and 2010 models
    average_load_fraction: Fraction = 0.80  # Hamilton 2008: average draw, 80 % of the critical load provisioned
    server_price_usd: NonNegFloat = 1450.0  # for server types without `price_usd`; Hamilton 2010 model
    server_power_watts: PositiveFloat = 8e6 / 47_500  # for types without `power_watts`: 8 MW / 47,500 servers
    network_usd_per_server: NonNegFloat = 250.0  # estimate: a $5,000 ToR switch per 40 servers, x2 for the layers above
    inter_region_usd_per_gb: NonNegFloat = 0.02  # EC2 data transfer to another region (docs/economics.md)
    rent_or_build_years: PositiveFloat = 3.0  # the horizon of rent or build: one server amortisation
