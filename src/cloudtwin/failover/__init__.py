"""Failover: what happens to VMs and service replicas when their failure domain fails, and availability mode.

One restart model (`rules`) serves both ways of asking:

    Failover(engine, world, scenario, seed)   inside `cloudtwin run`: failures applied to the engine,
                                              VMs and replicas restarted, waiting or lost
    availability_study(scenario, world, ...)  `cloudtwin availability`: failures, repairs and replicas only,
                                              centuries of simulated time, 99 % confidence intervals
"""

from __future__ import annotations

from cloudtwin.failover.availability import ServiceAvailability, availability_study
from cloudtwin.failover.failover import Failover, failure_summary
from cloudtwin.failover.waiting import RestartStats

__all__ = ["Failover", "RestartStats", "ServiceAvailability", "availability_study", "failure_summary"]
