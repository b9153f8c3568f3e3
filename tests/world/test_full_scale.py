"""The full aws-2014 world (~3 M servers): same layout rules as the small world, in a few tens of bytes per server."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cloudtwin.world import build_world


@pytest.mark.slow
def test_aws_2014_world_layout_at_full_scale() -> None:
    """11 regions, 28 zones (seed), datacenters of 50k-80k servers (seed), ceil racks, per-server lookups, < 1 GiB of arrays."""
    try:
        from cloudtwin.scenario import load_preset
    except ImportError:
        pytest.skip("cloudtwin.scenario.load_preset is not available yet")
    world = build_world(load_preset("aws-2014", []))
    assert (world.n_regions, world.n_zones) == (11, 28)
    dc_servers = np.diff(world.datacenter_server_start)
    assert np.all((dc_servers >= 50_000) & (dc_servers <= 80_000))
    per_rack = world.datacenter_servers_per_rack.tolist()
    expected_racks = [math.ceil(s / k) for s, k in zip(dc_servers.tolist(), per_rack)]
    assert np.array_equal(np.diff(world.datacenter_rack_start), expected_racks)
    i = np.arange(world.n_servers)
    assert np.array_equal(world.server_zone, np.searchsorted(world.zone_server_start, i, "right") - 1)
    assert np.array_equal(world.server_rack, np.searchsorted(world.rack_server_start, i, "right") - 1)
    assert np.all(world.zone_server_start[:-1] >= world.region_server_start[world.zone_region])
    assert np.all(world.zone_server_start[1:] <= world.region_server_start[world.zone_region + 1])
    assert world.nbytes < 30 * world.n_servers < 2**30
