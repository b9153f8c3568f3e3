"""cloudtwin: a simulator of a hyperscale cloud (regions, zones, data centers, VMs, failures, cost)."""

__version__ = "0.1.0"

from cloudtwin.errors import CloudtwinError

__all__ = ["CloudtwinError", "__version__"]
