"""Where numba's cache goes (a read-only install caches in the user's cache folder) and what the warm-up compiles.

Tests run as root in CI, where file permissions stop nothing: a folder counts as read-only here when it lies
under a regular file (creating anything in it fails with ENOTDIR, for root too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from numba.core.dispatcher import Dispatcher

from cloudtwin.engine.warmup import COMPILE_NOTICE_S, compile_engine, engine_cached, reporting
from cloudtwin.placement import jitcache
from cloudtwin.runner.simulate import simulate
from cloudtwin.scenario import Scenario
from lab_world import lab_scenario

PACKAGE = Path(jitcache.__file__).resolve().parents[1]  # src/cloudtwin


def _blocked(tmp_path: Path, name: str) -> Path:
    """A folder path no one can create: it lies under a regular file."""
    blocker = tmp_path / f"{name}-is-a-file"
    blocker.write_text("")
    return blocker / name


def test_a_writable_package_keeps_numbas_own_cache(tmp_path: Path) -> None:
    """Package folders that can hold `__pycache__`: nothing is set (numba caches next to the sources)."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert jitcache.choose_cache_dir((tmp_path / "engine", tmp_path / "placement"), env) is None


def test_a_read_only_package_caches_in_the_user_cache_folder(tmp_path: Path) -> None:
    """One package folder that cannot hold `__pycache__`: $XDG_CACHE_HOME/cloudtwin/numba, else ~/.cache/..."""
    folders = (tmp_path / "engine", _blocked(tmp_path, "placement"))
    assert not jitcache.writable_cache(folders[1] / "__pycache__")
    xdg = tmp_path / "xdg"
    assert jitcache.choose_cache_dir(folders, {"XDG_CACHE_HOME": str(xdg)}) == xdg / "cloudtwin" / "numba"
    home = tmp_path / "home"
    if sys.platform.startswith("linux"):
        assert jitcache.choose_cache_dir(folders, {"HOME": str(home)}) == home / ".cache" / "cloudtwin" / "numba"
    assert (xdg / "cloudtwin" / "numba").is_dir()


def test_the_users_numba_cache_dir_is_kept(tmp_path: Path) -> None:
    """NUMBA_CACHE_DIR set by the user wins, even over a read-only package."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert jitcache.choose_cache_dir((_blocked(tmp_path, "engine"),), env) is None


def test_no_writable_user_cache_falls_back_to_the_temporary_folder(tmp_path: Path) -> None:
    """The user's cache folder unusable too: a per-user folder under the temporary directory."""
    env = {"XDG_CACHE_HOME": str(_blocked(tmp_path, "xdg"))}
    folder = jitcache.choose_cache_dir((_blocked(tmp_path, "engine"),), env)
    assert folder is not None and folder.is_relative_to(Path(tempfile.gettempdir()))


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numba
import cloudtwin
from cloudtwin.placement import rng
state = rng.rng_state(7)
print(json.dumps({"package": cloudtwin.__file__, "cache_dir": numba.config.CACHE_DIR, "x": int(rng.next_u64(state)),
                  "hits": sum(rng.next_u64.stats.cache_hits.values())}))
"""


def test_an_installed_read_only_package_compiles_and_caches_for_the_user(tmp_path: Path) -> None:
    """A copy of the package whose folders cannot hold `__pycache__` (a regular file is in the way): a compiled
    call works, its cache lands in $XDG_CACHE_HOME/cloudtwin/numba, and the next process loads it from there."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "cloudtwin", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [site / "cloudtwin", *(p for p in (site / "cloudtwin").rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("")  # read-only for root too: nothing can be created under it
    xdg = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(xdg), PYTHONDONTWRITEBYTECODE="1")

    def child() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(site)], env=env, capture_output=True, text=True, check=False, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = child()
    assert Path(first["package"]).is_relative_to(site)
    assert Path(first["cache_dir"]) == xdg / "cloudtwin" / "numba"
    assert list((xdg / "cloudtwin" / "numba").rglob("rng.next_u64-*.nbi")), "no cache index in the user folder"
    second = child()
    assert second["x"] == first["x"] and second["hits"] == 1


def _dispatchers() -> dict[str, Dispatcher]:
    """Every compiled function of the engine and placement packages, by qualified name."""
    out = {}
    for name, module in list(sys.modules.items()):
        if name.startswith(("cloudtwin.engine.", "cloudtwin.placement.")):
            for attr, value in vars(module).items():
                if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                    out[f"{name}.{attr}"] = value
    return out


def _lab() -> Scenario:
    """3 zones of 20 servers, arrivals, frequent server failures and a 3-replica service: every engine path."""
    service = {
        "name": "api",
        "instance_type": "large",
        "replicas": 3,
        "spread": "zones",
        "zones": ["lab-a", "lab-b", "lab-c"],
        "healthy_when": {"at_least": 2},
    }
    return lab_scenario(
        "warm-up-lab",
        3,
        0.5,
        "abc",
        200.0,
        services=[service],
        failures={"defaults": True, "server": {"mttf_days": 1, "repair_hours": 1}},
    )


def test_the_warm_up_compiles_everything_a_run_uses(tmp_path: Path) -> None:
    """After `compile_engine(policy, failures=True)`, a run with failures and a service adds no compiled
    signature to any engine or placement function: the run's wall time holds no engine compile."""
    scenario = _lab()
    compile_engine(scenario.placement.policy, failures=True)
    before = {name: set(f.signatures) for name, f in _dispatchers().items()}
    outcome = simulate(scenario, tmp_path / "runs.duckdb")
    assert outcome.summary["vms_interrupted"] > 0  # the failure paths ran
    after = {name: set(f.signatures) for name, f in _dispatchers().items()}
    new = {
        name: [str(s) for s in sigs - before.get(name, set())]
        for name, sigs in after.items()
        if sigs - before.get(name, set())
    }
    assert not new, f"compiled during the run, not by the warm-up: {new}"
    assert 0.0 <= outcome.summary["compile_s"] < COMPILE_NOTICE_S  # already compiled: a re-run of the tiny engine


def test_the_warm_up_is_cheap_once_compiled_and_reports_itself() -> None:
    """A second warm-up takes well under the notice threshold; listeners hear its start and its seconds."""
    compile_engine("first-fit")
    heard: list[float | None] = []
    with reporting(heard.append):
        seconds = compile_engine("worst-fit")
    assert heard == [None, seconds] and seconds < COMPILE_NOTICE_S
    compile_engine("random")
    assert engine_cached() in (True, None)  # the loop is in numba's cache now (None: numba's internals moved)
    assert np.isfinite(seconds)
