"""`failures: default` resolves to the cited figures; scenario levels replace defaults whole."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from cloudtwin.failures.defaults import DEFAULT_LEVELS, resolve_failures
from cloudtwin.failures.distributions import LevelParams
from cloudtwin.scenario.model import FailureLevel, Failures

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def test_server_mttf_is_azure_afr_arithmetic() -> None:
    """Server AFR = rest + DRAM·12·(1−FIP) + SSD·6·(1−FIP) from afr_data.yaml (3.0 %); MTTF = 365.25 / AFR days."""
    path = SHARED / "data" / "azure-greensku-2023" / "afr_data.yaml"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    afr = yaml.safe_load(path.read_text())
    dimms, ssds = 12, 6  # GreenSKU Baseline.yaml server
    percent = (
        afr["Rest"]["AFR"] * (1 - afr["Rest"]["FIP_rate"])
        + afr["DRAM"]["AFR"] * dimms * (1 - afr["DRAM"]["FIP_rate"])
        + afr["SSD"]["AFR"] * ssds * (1 - afr["SSD"]["FIP_rate"])
    )
    assert percent == pytest.approx(3.0)
    assert DEFAULT_LEVELS["server"].mttf_days == pytest.approx(365.25 / (percent / 100), rel=1e-12)


def test_rack_and_pdu_figures_from_the_first_year_of_a_cluster() -> None:
    """~20 rack failures a year among 1800/40 racks, back in 1-6 h; ~1 PDU of 500-1000 of 1800 machines for ~6 h."""
    rack, dc = DEFAULT_LEVELS["rack"], DEFAULT_LEVELS["datacenter"]
    assert rack.mttf_days == pytest.approx(365.25 * (1800 / 40) / 20)
    # The lognormal's 5th and 95th percentiles are the published 1 h and 6 h.
    p = LevelParams.of(rack)
    z = 1.6448536269514722
    median_h = math.exp(p.lognormal_mu) / 3600
    assert median_h * math.exp(-z * p.repair_sigma) == pytest.approx(1.0, rel=1e-9)
    assert median_h * math.exp(z * p.repair_sigma) == pytest.approx(6.0, rel=1e-9)
    assert dc.burst_share == pytest.approx(750 / 1800)
    assert dc.mttf_days == 365.25
    assert (dc.repair_hours, dc.time_to_repair) == (6.0, "fixed")


def test_default_keyword_turns_on_server_rack_datacenter_only() -> None:
    """`failures: default` → server, rack and datacenter levels; zones and regions have no published rate."""
    resolved = resolve_failures("default")
    assert set(resolved.levels) == {"server", "rack", "datacenter"}
    assert resolved.levels == DEFAULT_LEVELS


def test_scenario_level_replaces_its_default_whole() -> None:
    """`defaults: true` plus a rack level: the scenario's rack, the default server and datacenter, its own zone."""
    own_rack = FailureLevel(mttf_days=100, repair_hours=1)
    own_zone = FailureLevel(mttf_days=1000, repair_hours=12)
    resolved = resolve_failures(Failures(defaults=True, rack=own_rack, zone=own_zone))
    assert resolved.levels["rack"] == own_rack
    assert resolved.levels["zone"] == own_zone
    assert resolved.levels["server"] == DEFAULT_LEVELS["server"]


def test_without_defaults_only_written_levels_fail() -> None:
    """No `defaults`: only the levels the scenario writes; no `failures:` at all: nothing fails."""
    resolved = resolve_failures(Failures(server=FailureLevel(mttf_days=1500, repair_hours=48)))
    assert list(resolved.levels) == ["server"]
    assert not resolve_failures(None).any_level
