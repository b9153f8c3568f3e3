"""Trace paths: relative ones resolve against the scenario file's folder; a missing trace is an error at its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import load_scenario
from cloudtwin.scenario.model import TraceArrivals

TRACE_WORKLOAD = """\
  - name: replay
    arrivals: {trace: traces/vms.csv, format: azure-vmtable}
"""


def test_relative_trace_resolves_against_the_file(
    minimal_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`traces/vms.csv` in dir/s.yaml is stored as the absolute dir/traces/vms.csv, whatever the working directory."""
    folder = tmp_path / "dir"
    (folder / "traces").mkdir(parents=True)
    (folder / "traces" / "vms.csv").write_text("")
    (folder / "s.yaml").write_text(minimal_text + TRACE_WORKLOAD)
    monkeypatch.chdir(tmp_path)
    s = load_scenario(Path("dir/s.yaml"))
    arrivals = s.workload[1].arrivals
    assert isinstance(arrivals, TraceArrivals)
    assert arrivals.trace == str((folder / "traces" / "vms.csv").resolve())


def test_missing_trace_is_an_error_at_its_key(minimal_text: str, tmp_path: Path) -> None:
    """A trace file that does not exist is reported at `workload[1].arrivals.trace` with its line (26)."""
    (tmp_path / "s.yaml").write_text(minimal_text + TRACE_WORKLOAD)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml")
    (line,) = info.value.problems
    assert line.startswith(f"{tmp_path / 's.yaml'}:26: workload[1].arrivals.trace: trace file not found: ")
    assert str(tmp_path / "traces" / "vms.csv") in line
