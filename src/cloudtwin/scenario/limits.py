"""Counts cloudtwin refuses up front, before anything is expanded or drawn (they keep arithmetic in range).

Whether a scenario fits this machine's memory is the run's preflight (`cloudtwin.runner.preflight`).
"""

from __future__ import annotations

# Counts beyond which cloudtwin does not go (checked before anything is expanded or drawn):
# 2014 zones held 1-6 data centers (seed); 1000 leaves any what-if room while keeping names and draws cheap.
MAX_DATACENTERS_PER_ZONE = 1000
# The whole world's datacenters, shorthand included (the 2014 world had some tens, DESIGN.md); 10,000 keeps
# expanding and checking them instant. An estimate of what a what-if study could want, not a published figure.
MAX_DATACENTERS_IN_WORLD = 10_000
# 1e15 servers would need ~96 PB at 96 B each; the bound only keeps counts inside int64 arithmetic.
MAX_SERVERS_PER_DATACENTER = 10**15
