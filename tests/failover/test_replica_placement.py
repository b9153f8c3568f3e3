"""Replica placement for availability mode: round-robin over the spread level, distinct racks."""

from __future__ import annotations

import pytest

from cloudtwin.errors import FailureModelError
from cloudtwin.failures.layout import service_layout
from cloudtwin.scenario.model import Service
from cloudtwin.world import build_world


def _layout(make_scenario, make_service, **kw):
    world_kw = {k: kw.pop(k) for k in ("datacenters_per_zone", "servers_per_datacenter") if k in kw}
    spec = make_service(**kw)
    sc = make_scenario(None, [spec], **world_kw)
    return service_layout(Service.model_validate(spec), build_world(sc))


def test_six_over_three_zones_is_two_per_zone_in_distinct_datacenters(make_scenario, make_service) -> None:
    """spread: zones, 6 replicas, 3 zones of 2 datacenters: 2 per zone, one in each datacenter."""
    lay = _layout(make_scenario, make_service, replicas=6, at_least=4)
    assert lay.replicas_per_zone() == [2, 2, 2]
    assert sorted(lay.rep_dc.tolist()) == list(range(6))


def test_replicas_sharing_a_datacenter_get_distinct_spread_racks(make_scenario, make_service) -> None:
    """3 replicas in a zone's only datacenter of 10 racks: racks 1, 5, 8 (evenly spread, all distinct)."""
    lay = _layout(make_scenario, make_service, replicas=9, at_least=1, datacenters_per_zone=1)
    for d in range(3):
        assert sorted(lay.rep_rack[lay.rep_dc == d].tolist()) == [1, 5, 8]


def test_spread_datacenters_interleaves_zones(make_scenario, make_service) -> None:
    """spread: datacenters, 3 replicas over 3 zones × 2 datacenters: one per zone, not two in the first zone."""
    lay = _layout(make_scenario, make_service, replicas=3, at_least=1, spread="datacenters")
    assert lay.replicas_per_zone() == [1, 1, 1]


def test_more_replicas_than_racks_is_refused(make_scenario, make_service) -> None:
    """No two replicas on one rack: 3 replicas in a datacenter of 2 racks is a FailureModelError."""
    with pytest.raises(FailureModelError, match="distinct racks"):
        _layout(make_scenario, make_service, replicas=9, at_least=1, datacenters_per_zone=1, servers_per_datacenter=80)


def test_unknown_zone_names_the_service_key(make_scenario, make_service) -> None:
    """A zone the world does not have: FailureModelError with the service's key path."""
    sc = make_scenario(None, [])
    spec = make_service(3, 2, zones=["z0", "nowhere"])
    with pytest.raises(FailureModelError, match=r"services\[0\]"):
        service_layout(Service.model_validate(spec), build_world(sc), "services[0]")
