"""Keep numba's on-disk cache honest across modules: one source stamp for all of placement/ and engine/.

The event loop inlines placement and heap functions from other files, but numba
keys a cached function only on its own file, so an edit to `placement/tree.py`
would leave a stale compiled `engine/loop.py` in `__pycache__`. This registers
cache locators (numba's own in-tree and NUMBA_CACHE_DIR ones, subclassed) that
stamp every function of these two packages with a hash of all their sources:
any edit recompiles them all. Imported first by both packages' `__init__`. If
numba's internals change shape, it does nothing and the default caching stays.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOTS = (_HERE, _HERE.parent / "engine")


@functools.cache
def sources_stamp() -> str:
    """sha256 over the names and contents of every .py file of placement/ and engine/."""
    digest = hashlib.sha256()
    for root in _ROOTS:
        for path in sorted(root.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _ours(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().parent in _ROOTS
    except OSError:
        return False


def install() -> None:
    """Put the package-wide locators in front of numba's (idempotent)."""
    try:
        from numba.core import caching

        impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # type: ignore[attr-defined]  # public name since numba 0.6x
        classes = impl._locator_classes
        bases = (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator)
    except (ImportError, AttributeError):  # numba moved its internals: keep its default behaviour
        return
    if any(getattr(c, "cloudtwin_sources", False) for c in classes):
        return
    added = []
    for base in bases:

        def get_source_stamp(self: object) -> str:
            return sources_stamp()

        def from_function(cls: type, py_func: object, py_file: str) -> object:
            if not _ours(py_file):
                return None
            return super(cls, cls).from_function(py_func, py_file)  # type: ignore[misc, arg-type]

        added.append(type(f"Cloudtwin{base.__name__}", (base,), {
            "__module__": __name__,
            "cloudtwin_sources": True,
            "get_source_stamp": get_source_stamp,
            "from_function": classmethod(from_function),
        }))
    classes[:0] = added


install()
