"""The build policy against hand-worked cases: when a datacenter is ordered, when it lands, which zone gets it.

Demand in these worlds (planning_worlds.py): 1-vCPU VMs living an exponential hour, arriving per_hour, growing g a
year. Resident vCPUs (M/G/∞, Little's law with growth's lag): D(t) = per_hour·1 h·(1 + g)^(t/yr)·Ψ with
Ψ = 1/(1 + κ·1 h), κ = ln(1 + g)/yr (the exponential's equilibrium Laplace transform). A month's peak is D at its
end: D_peak(k) = per_hour·Ψ·(1 + g)^((k + 1)/12). Every expected month below is solved from that by hand.
"""

from __future__ import annotations

import math

import pytest
from planning_worlds import DC_VCPUS, region_world

from cloudtwin.planning import make_plan

YEAR_S = 365.25 * 86400


def lag(growth: float) -> float:
    """Ψ for an exponential hour at growth g: 1/(1 + ln(1 + g)·3600/yr)."""
    return 1.0 / (1.0 + math.log1p(growth) * 3600.0 / YEAR_S)


def first_month_over(per_hour: float, limit: float, growth: float = 1.0) -> int:
    """The first month whose end-of-month demand exceeds `limit`: k + 1 > 12·log2(limit / (per_hour·Ψ))."""
    return math.floor(12 * math.log2(limit / (per_hour * lag(growth))))


def test_one_region_doubling_orders_a_lead_time_ahead_into_both_zones() -> None:
    """Two zones of 1,000 vCPUs, demand 480 doubling yearly, lead time 3 months, nothing in flight.

    N+1 (the peak fits in one zone) first fails in month k = ⌊12·log2(1000/(480Ψ))⌋ = ⌊12.708⌋ = 12: ordered in
    month 9, it lands in 12. One datacenter in zone a leaves zone b the smaller (N+1 still 1,000), so b gets one
    too. Then N+1 = 2,000 fails at ⌊24.708⌋ = 24 (ordered 21), 3,000 at ⌊31.73⌋ = 31 (ordered 28), 4,000 at
    ⌊36.71⌋ = 36 (ordered 33, the last month of a 3-year plan: it lands after the plan). The 80 % target never
    binds first (0.8 × 4,000 = 3,200 needs k ≥ 32, after the 3,000 step at 31). No month is short."""
    plan = make_plan(region_world({"a": 1, "b": 1}, per_hour=480, growth=1.0, lead_time_months=3, start="empty"), 3)
    assert [first_month_over(480, n) for n in (1000, 2000, 3000, 4000)] == [12, 24, 31, 36]
    got = [(b.ordered_month, b.month, b.zone) for b in plan.builds]
    assert got == [(o, o + 3, z) for o in (9, 21, 28, 33) for z in ("a", "b")]
    assert all(b.servers == 100 and b.server_vcpus == 10 for b in plan.builds)
    region = plan.regions[0]
    assert region.capacity_without_largest_zone_vcpus[11] == DC_VCPUS
    assert region.capacity_without_largest_zone_vcpus[12] == 2 * DC_VCPUS
    assert region.capacity_vcpus[35] == 8 * DC_VCPUS  # the builds of months 12, 24 and 31; not those landing at 36
    assert region.n_plus_1_kept.all() and plan.shortfalls == ()


def test_unequal_zones_the_build_goes_to_the_smallest() -> None:
    """Zones of 3, 1 and 1 datacenters: capacity 5,000, and 2,000 without the largest zone. A constant peak of
    2,100 breaks N+1 (not the 80 % target, 4,000). Growing a (the largest) would leave N+1 at 2,000; growing b
    (the smaller of b and c, first in order) makes it 6,000 − 3,000 = 3,000: one build, in b, ordered in month 0,
    landing in month 1 (lead time 1). Month 0 is short by 2,100 − 2,000 = 100 vCPUs."""
    plan = make_plan(region_world({"a": 3, "b": 1, "c": 1}, per_hour=2100, lead_time_months=1, start="empty"), 1)
    assert [(b.ordered_month, b.month, b.zone) for b in plan.builds] == [(0, 1, "b")]
    region = plan.regions[0]
    assert list(region.capacity_without_largest_zone_vcpus[:2]) == [2000, 3000]
    assert region.demand_vcpus[0] == pytest.approx(2100)
    assert [(s.first_month, s.last_month, s.worst_missing_vcpus) for s in plan.shortfalls] == [(0, 0, 100)]


def test_lead_time_too_long_for_the_growth_is_a_named_shortfall() -> None:
    """Two zones of 1,000, demand 900 doubling, lead time 12 months, nothing in flight: N+1 fails from month
    ⌊12·log2(1000/(900Ψ))⌋ = ⌊1.83⌋ = 1, the first order lands in month 12, so months 1-11 are short. The worst is
    month 11: 900Ψ·2 − 1,000 = 799.86, so 800 vCPUs. With a 1-month lead time the same growth is met in time."""
    slow = make_plan(region_world({"a": 1, "b": 1}, per_hour=900, growth=1.0, lead_time_months=12, start="empty"), 2)
    assert first_month_over(900, 1000) == 1
    assert [(s.region, s.first_month, s.last_month, s.months) for s in slow.shortfalls] == [("r", 1, 11, 11)]
    assert slow.shortfalls[0].worst_missing_vcpus == math.ceil(900 * lag(1.0) * 2 - 1000) == 800
    assert min(b.month for b in slow.builds) == 12
    quick = make_plan(region_world({"a": 1, "b": 1}, per_hour=900, growth=1.0, lead_time_months=1, start="empty"), 2)
    assert quick.shortfalls == ()


def test_steady_start_keeps_month_zero_ratio_until_the_plan_s_own_orders_land() -> None:
    """Two zones of 1,000 with a month-0 peak of 1,200Ψ (per_hour = 1,200/2^(1/12), doubling): N+1 is 1.2Ψ over.
    In flight (lead time 12, `start: steady`): builds sized to keep every month no worse than that ratio. Month 1
    asks 1,000·2^(1/12) = 1,059 of N+1 at that ratio: one datacenter each in a and b land in month 1 (N+1 2,000).
    The ratio then allows up to 2,400Ψ, so no more in flight; the plan's own first orders land in month 12. Short:
    month 0, and months 9-11 where 1,200Ψ·2^(k/12) > 2,000, i.e. k > 12·log2(2000/(1200Ψ)) = 8.84."""
    per_hour = 1200 / 2 ** (1 / 12)
    plan = make_plan(region_world({"a": 1, "b": 1}, per_hour=per_hour, growth=1.0, lead_time_months=12), 2)
    in_flight = [(b.ordered_month, b.month, b.zone) for b in plan.builds if b.in_flight]
    assert in_flight == [(-11, 1, "a"), (-11, 1, "b")]
    assert min(b.month for b in plan.builds if not b.in_flight) == 12
    assert [(s.first_month, s.last_month) for s in plan.shortfalls] == [(0, 0), (9, 11)]
    empty = make_plan(region_world({"a": 1, "b": 1}, per_hour=per_hour, growth=1.0, start="empty"), 2)
    assert [(s.first_month, s.last_month) for s in empty.shortfalls] == [(0, 11)]


def test_newer_servers_and_the_power_budget_size_a_datacenter() -> None:
    """vCPUs per server double each plan year (growth 1.0): a datacenter landing in year 2 (months 12-23) holds
    100 servers of 20 vCPUs, 2,000 vCPUs. A 0.5 MW budget at 10 kW a server powers 50 servers, not the 100 of the
    region's mean datacenter, and the plan says so."""
    grown = make_plan(
        region_world(
            {"a": 1, "b": 1}, 900, 1.0, lead_time_months=12, start="empty", vcpus_per_server_growth_per_year=1.0
        ),
        2,
    )
    first = [b for b in grown.builds if b.month == 12]
    assert {(b.servers, b.server_vcpus, b.vcpus) for b in first} == {(100, 20, 2000)}
    assert grown.regions[0].capacity_vcpus[12] - grown.regions[0].capacity_vcpus[11] == 2000 * len(first)
    powered = make_plan(region_world({"a": 1, "b": 1}, 900, 1.0, datacenter_power_mw=0.5, server_power_watts=10_000), 2)
    assert {b.servers for b in powered.builds} == {50}
    assert any("holds 50 servers" in note for note in powered.notes)


def test_a_single_zone_region_never_keeps_n_plus_1_and_says_why() -> None:
    """Losing a region's only zone loses all of it: every month is a shortfall, and the builds follow the 80 %
    target alone (a constant 900 on 1,000 vCPUs: 900 > 800, one build, landing after the 12-month lead time)."""
    plan = make_plan(region_world({"a": 1}, per_hour=900, start="empty"), 2)
    assert [(s.first_month, s.last_month) for s in plan.shortfalls] == [(0, 23)]
    assert [(b.month, b.zone) for b in plan.builds] == [(12, "a")]
    assert any("one zone" in note for note in plan.notes)
