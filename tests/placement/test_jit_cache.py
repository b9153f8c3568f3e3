"""numba's on-disk cache for placement and engine code is keyed on all their sources, not one file each."""

from __future__ import annotations

from cloudtwin.engine import loop
from cloudtwin.placement import jitcache, tree


def test_engine_loop_uses_the_package_wide_stamp() -> None:
    """The compiled loop inlines placement code, so its cache entry must go stale when placement/*.py changes."""
    locator = loop.run._cache._impl._locator
    assert getattr(locator, "cloudtwin_sources", False), type(locator)
    assert locator.get_source_stamp() == jitcache.sources_stamp()
    assert tree.first_fit._cache._impl._locator.get_source_stamp() == jitcache.sources_stamp()
