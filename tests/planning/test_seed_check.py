"""The seed check: servers added per day in the first plan year, beside Amazon's 2004 fleet (of which no count is
published), and the Python API's `cloudtwin.plan`."""

from __future__ import annotations

from pathlib import Path

import pytest
from planning_worlds import region_world

import cloudtwin
from cloudtwin.errors import PlanError
from cloudtwin.planning import AMAZON_2004_SERVERS, make_plan


def test_servers_per_day_of_a_hand_worked_plan() -> None:
    """The doubling world of test_build_policy (two zones of one 100-server datacenter, demand 480, lead time 3):
    nothing lands in year 1, two datacenters in year 2 (month 12), four in year 3 (months 24 and 31), two more
    at month 36 (year 4, after the plan): 0, 200/365.25 = 0.548 and 400/365.25 = 1.095 servers a day."""
    plan = make_plan(region_world({"a": 1, "b": 1}, per_hour=480, growth=1.0, lead_time_months=3, start="empty"), 3)
    assert plan.servers_added_per_day == pytest.approx((0.0, 200 / 365.25, 400 / 365.25))
    assert plan.seed_check()["servers_added_per_day"] == 0.0


def test_aws_2014_first_year_against_its_growth() -> None:
    """aws-2014's first year (all of it in flight: the lead time is 12 months) adds servers at EC2's growth.
    Lower bound: the in-flight builds keep month 0's ratio of peak to the binding N+1 limit, so the capacity left
    without each region's largest zone grows at least as the peak, by f = 1.99^(11/12) − 1 over months 0 to 11,
    and capacity at least as much: ≥ f·ΣC⁻ servers. Upper bound: pure growth of all capacity, f·ΣC, plus one
    whole datacenter (≤ 80,000 servers, the seed's largest) in each of the 28 zones. In servers a day, over
    365.25 days. No count of Amazon's 2004 servers is published: the check says so rather than inventing one."""
    plan = make_plan(cloudtwin.load("aws-2014"), 1)
    f = 1.99 ** (11 / 12) - 1
    servers = sum(int(r.capacity_vcpus[0]) for r in plan.regions) / 36
    without_largest = sum(int(r.capacity_without_largest_zone_vcpus[0]) for r in plan.regions) / 36
    per_day = plan.servers_added_per_day[0]
    assert f * without_largest / 365.25 <= per_day <= (f * servers + 28 * 80_000) / 365.25
    check = plan.seed_check()
    assert check["servers_added_per_day"] == pytest.approx(per_day, abs=0.05)
    assert AMAZON_2004_SERVERS is None and check["amazon_2004_servers"] is None
    assert "No published count" in check["basis"] and "$7B" in check["claim"]


def test_python_api_plan(tmp_path: Path) -> None:
    """`cloudtwin.plan` is the function (the `planning` package does not shadow it), returns the plan `--json`
    prints, and stores it when given a database; a trace workload or a bad `years` is a one-line error."""
    import cloudtwin.planning  # noqa: F401  (importing the package must leave cloudtwin.plan callable)

    plan = cloudtwin.plan(cloudtwin.load("small"), years=2, db=tmp_path / "p.duckdb")
    assert plan.to_json()["servers_added_per_day"][1]["year"] == 2
    assert (tmp_path / "p.duckdb").exists()
    with pytest.raises(PlanError, match=r"^years: must be a whole number of years from 1 to 50 \(got 2.5\)$"):
        cloudtwin.plan(cloudtwin.load("small"), years=2.5)  # type: ignore[arg-type]
    trace = tmp_path / "t.txt"
    trace.write_text("", encoding="ascii")  # (never read: the plan refuses the workload first)
    traced = region_world({"a": 1, "b": 1}, per_hour=10).with_(
        {"workload[0].arrivals": {"trace": str(trace), "format": "azure-v1-slices"}, "workload[0].lifetime": None}
    )
    with pytest.raises(PlanError, match=r"^workload\[0\] \(w\): the fluid model needs Poisson arrivals"):
        cloudtwin.plan(traced, years=1)
