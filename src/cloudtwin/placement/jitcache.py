"""Keep numba's on-disk cache honest across modules: one source stamp for all of placement/ and engine/.

The event loop inlines placement and heap functions from other files, but numba
keys a cached function only on its own file, so an edit to `placement/tree.py`
would leave a stale compiled `engine/loop.py` in `__pycache__`. This registers
cache locators (numba's own in-tree and NUMBA_CACHE_DIR ones, subclassed) that
stamp every function of these two packages with a hash of all their sources:
any edit recompiles them all. Imported first by both packages' `__init__`. If
numba's internals change shape, it does nothing and the default caching stays.

Where the cache goes: next to the sources (`__pycache__`, numba's default) when the
package folder is writable; otherwise (an installed, read-only package) in the user's
cache folder, `$XDG_CACHE_HOME/cloudtwin/numba` (`~/.cache/cloudtwin/numba`), set as
numba's CACHE_DIR before any compiled function is defined. A NUMBA_CACHE_DIR the user
set is always kept.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from collections.abc import Mapping
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


def writable_cache(folder: Path) -> bool:
    """Whether numba can keep a cache in `folder` (created if missing): numba's own test, a temporary file."""
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def user_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The user's cache folder for cloudtwin's compiled code: $XDG_CACHE_HOME/cloudtwin/numba, else
    ~/.cache/cloudtwin/numba (%LOCALAPPDATA%\\cloudtwin\\numba on Windows, ~/Library/Caches/... on macOS)."""
    home = Path(environ.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = Path(environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "cloudtwin" / "numba"


def choose_cache_dir(package_dirs: tuple[Path, ...] = _ROOTS, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where numba should cache cloudtwin's compiled code; None keeps numba's own choice.

    None when the user set NUMBA_CACHE_DIR or every package folder can hold its `__pycache__`; else the
    user's cache folder, or a per-user folder under the temporary directory if that is not writable
    either (None if neither is: numba's own fallbacks then apply).
    """
    if environ.get("NUMBA_CACHE_DIR"):
        return None
    if all(writable_cache(folder / "__pycache__") for folder in package_dirs):
        return None
    user = getattr(os, "getuid", lambda: "user")()
    for folder in (user_cache_dir(environ), Path(tempfile.gettempdir()) / f"cloudtwin-{user}" / "numba"):
        if writable_cache(folder):
            return folder
    return None


def configure_cache_dir() -> Path | None:
    """Point numba's CACHE_DIR at `choose_cache_dir()` (when it is not None); returns the folder set."""
    folder = choose_cache_dir()
    if folder is not None:
        from numba.core import config

        config.CACHE_DIR = str(folder)  # type: ignore[attr-defined]
    return folder


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

        added.append(
            type(
                f"Cloudtwin{base.__name__}",
                (base,),
                {
                    "__module__": __name__,
                    "cloudtwin_sources": True,
                    "get_source_stamp": get_source_stamp,
                    "from_function": classmethod(from_function),
                },
            )
        )
    classes[:0] = added


configure_cache_dir()
install()
