"""Closed forms used both by users and by the tests as independent checks of the simulator."""

from cloudtwin.analysis.availability import (
    component_availability,
    downtime_minutes_per_year,
    k_of_n_availability,
    k_of_n_heterogeneous,
    nines,
    restart_availability,
    service_availability_over_zones,
)
from cloudtwin.analysis.queueing import (
    erlang_b,
    erlang_c,
    littles_law_mean_in_system,
    mmcc_mean_busy,
    offered_load_for_blocking,
    servers_for_blocking,
)

__all__ = [
    "component_availability",
    "downtime_minutes_per_year",
    "erlang_b",
    "erlang_c",
    "k_of_n_availability",
    "k_of_n_heterogeneous",
    "littles_law_mean_in_system",
    "mmcc_mean_busy",
    "nines",
    "offered_load_for_blocking",
    "restart_availability",
    "servers_for_blocking",
    "service_availability_over_zones",
]
