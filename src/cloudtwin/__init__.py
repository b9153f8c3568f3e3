"""cloudtwin: a simulator of a hyperscale cloud (regions, zones, data centers, VMs, failures, cost)."""

from cloudtwin.errors import CloudtwinError
from cloudtwin.version import __version__

__all__ = ["CloudtwinError", "__version__"]
