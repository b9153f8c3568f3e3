"""The network: latency between any two places, and flow-level bandwidth over the world's links.

from cloudtwin.network import max_min_fair
rates = max_min_fair(capacity, incidence, demand)   # max-min fair rates of flows over links
"""

from __future__ import annotations

from cloudtwin.network.fairness import max_min_fair

__all__ = ["max_min_fair"]
