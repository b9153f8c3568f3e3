"""What the bench_* scripts share: a `cloudtwin` command in its own process, and the machine a row was made on."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path


def cloudtwin(*args: str) -> subprocess.CompletedProcess[str]:
    """`cloudtwin ARGS...` in its own process (this interpreter); exits the benchmark when it fails."""
    done = subprocess.run([sys.executable, "-m", "cloudtwin.cli.main", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"cloudtwin {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def run_json(preset: str, sets: list[str], db: Path) -> dict:
    """One `cloudtwin run --preset PRESET --set ... --json --db DB`: its JSON summary."""
    argv = ["run", "--preset", preset, "--json", "--db", str(db)]
    for item in sets:
        argv += ["--set", item]
    return json.loads(cloudtwin(*argv).stdout)


def machine() -> str:
    """The machine in a few words: architecture, the cores this process may use, Python."""
    return f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}"
