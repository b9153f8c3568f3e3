"""The preflight's memory estimate against the measured peak memory of real runs, one run per large part.

Each run is a fresh process (its peak RSS is its VmHWM), run twice so compiling is not counted; what the
run adds is its peak less that of a tiny run of the same code (interpreter, numba's compiled code, DuckDB). The estimate is meant as an upper
estimate of that addition: it must lie between 0.8x and 3x of it (stated factor; measured on the development
machine: 1.1x to 2.1x).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import json, sys
import cloudtwin
from cloudtwin.runner.preflight import preflight
scenario = cloudtwin.load("small", set=json.loads(sys.argv[1]))
print(json.dumps(preflight(scenario).estimate.memory_bytes))
cloudtwin.run(scenario)
# this program's own peak (VmHWM of its address space since exec: ru_maxrss would include the parent's at fork)
print(next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc/self/status")
LOWER, UPPER = 0.8, 3.0
TINY = {"horizon.days": 0.01}


def _peak(sets: dict[str, object]) -> tuple[dict[str, float], int]:
    """(the estimate by part, the peak RSS in bytes) of one run of `small` with `sets`, in a fresh process."""
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(sets)], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    estimate, peak = child.stdout.splitlines()[:2]
    return json.loads(estimate), int(peak)


@pytest.fixture(scope="module")
def baseline() -> int:
    """Peak RSS of a tiny run, its compiled code already cached (the first run may compile, which takes more)."""
    _peak(TINY)
    return _peak(TINY)[1]


@pytest.mark.parametrize(
    ("dominant", "sets"),
    [
        (  # ~600,000 resident VMs (Little's law: 300,000/h x 2 h) on 80,000 servers
            "VM table",
            {
                "world.regions[0].zones[0].datacenters[0].servers": 80000,
                "workload[0].arrivals.per_hour": 300000,
                "workload[0].zones": {"us-east-1a": 1},
                "horizon.days": 0.02,
            },
        ),
        ("metric ticks", {"horizon.sample_every_minutes": 0.001, "horizon.days": 0.05}),  # 72,000 ticks x 7 places
        (  # 3 M arrivals an hour, each gone in 3.6 s: the chunk of arrivals is what is held
            "arrivals",
            {
                "workload[0].arrivals.per_hour": 3000000,
                "workload[0].lifetime.mean_hours": 0.001,
                "horizon.days": 0.05,
                "horizon.start": "empty",
            },
        ),
    ],
)
def test_estimate_bounds_measured_peak(dominant: str, sets: dict[str, object], baseline: int) -> None:
    parts, first = _peak(sets)
    peak = min(first, _peak(sets)[1])  # a first run may compile code the tiny run did not need (more memory)
    assert parts[dominant] >= 0.4 * sum(parts.values())  # the case exercises the part it is named after
    added = peak - baseline
    assert added > 50e6, f"the run added only {added / 1e6:.0f} MB: too little to compare"
    ratio = sum(parts.values()) / added
    assert LOWER <= ratio <= UPPER, f"estimate {sum(parts.values()) / 1e6:.0f} MB, measured {added / 1e6:.0f} MB"
