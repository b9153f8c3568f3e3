"""Closed forms used both by users and by the tests as independent checks of the simulator."""

from cloudtwin.analysis.queueing import (
    erlang_b,
    erlang_c,
    littles_law_mean_in_system,
    mmcc_mean_busy,
    offered_load_for_blocking,
    servers_for_blocking,
)
