"""The engine: a compiled event loop over struct-of-arrays state (VM table, event heap, capacity index).

`Engine` drives it chunk by chunk (see `core`); `simulate_explicit` runs a given
list of arrivals and reports the peers' VMP-FF-85 numbers (see `explicit`).
"""

from __future__ import annotations

from cloudtwin.engine.core import Engine
from cloudtwin.engine.explicit import simulate_explicit
from cloudtwin.engine.metrics import Counters, Samples

__all__ = ["Counters", "Engine", "Samples", "simulate_explicit"]
