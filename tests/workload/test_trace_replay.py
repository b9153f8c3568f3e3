"""Trace replay: the Azure V1 slices and the raw vmtable reproduce their files; bad files are named."""

from __future__ import annotations

import gzip
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from workload_scenarios import AZURE_SLICES, AZURE_VMTABLE, make_scenario, require

from cloudtwin.errors import WorkloadError
from cloudtwin.workload import WorkloadSampler

BIN_S = 300.0


def _trace_scenario(path: Path, fmt: str):
    return make_scenario([{"name": "replay", "arrivals": {"trace": str(path), "format": fmt}}])


def _flavour_sizes() -> dict[str, tuple[int, int]]:
    sizes = {}
    for line in (AZURE_SLICES / "flav_map.txt").read_text().splitlines():
        size, letter = line.split()
        vcpus, gb = size.split(",")
        sizes[letter] = (int(vcpus), round(float(gb) * 1024))
    return sizes


def test_slices_replay_counts_per_bin_and_flavour_mix_exactly() -> None:
    """Arrivals per 5-minute bin, the (vCPU, MiB) mix, batches at one instant each and the number of
    completed-in-bin-0 lifetimes (< 150 s) all equal what the raw file's tokens say."""
    path = require(AZURE_SLICES) / "v1.dev.txt"
    per_bin, mix, batches = [], Counter(), []
    sizes = _flavour_sizes()
    for line in path.read_text().splitlines():
        _, tokens = line.split(" ")
        vms = [tok for tok in tokens.split(",") if tok and tok != "|"]
        per_bin.append(len(vms))
        mix.update(sizes[tok] for tok in vms)
        batches.append(len([b for b in tokens.split("|") if b.strip(",")]))
    durations = (AZURE_SLICES / "v1.dev.c2100000.txt").read_text().replace("\n", ",").replace(" ", ",").split(",")
    quick_vms = durations.count("U0")  # recorded 0 s: lifetime in [0, 150 s); censored ones are >= 300 s
    sampler = WorkloadSampler(_trace_scenario(path, "azure-v1-slices"), 1)
    arrivals = sampler.arrivals_between(0, len(per_bin) * BIN_S)
    assert len(arrivals) == sum(per_bin) == 259_159
    assert np.array_equal(np.bincount((arrivals.time_s // BIN_S).astype(int), minlength=len(per_bin)), per_bin)
    assert Counter(zip(arrivals.vcpus.tolist(), arrivals.memory_mib.tolist())) == mix
    distinct_times = np.bincount((np.unique(arrivals.time_s) // BIN_S).astype(int), minlength=len(per_bin))
    assert np.array_equal(distinct_times, batches)
    assert np.sum(arrivals.lifetime_s < 150) == quick_vms
    assert np.all(arrivals.instance_type == -1) and set(np.unique(arrivals.zone)) == {0, 1}
    assert sampler.initial_population().time_s.size == 0  # traces start empty


def test_vmtable_rows_become_arrivals() -> None:
    """The 10 raw vmtable rows give 10 arrivals: time = created − min(created), lifetime = deleted − created,
    vCPUs = vmcorecount, memory = round(vmmemory·1024) MiB."""
    path = require(AZURE_VMTABLE)
    rows = [line.split(",") for line in gzip.open(path, "rt").read().splitlines()]
    start = min(float(r[3]) for r in rows)
    expected = sorted(
        (float(r[3]) - start, int(r[9]), round(float(r[10]) * 1024), float(r[4]) - float(r[3])) for r in rows
    )
    arrivals = WorkloadSampler(_trace_scenario(path, "azure-vmtable"), 2).arrivals_between(0, 40 * 86400)
    got = sorted(
        zip(
            arrivals.time_s.tolist(),
            arrivals.vcpus.tolist(),
            arrivals.memory_mib.tolist(),
            arrivals.lifetime_s.tolist(),
        )
    )
    assert len(rows) == 10 and got == expected


def _copy_slices(tmp_path: Path) -> Path:
    for name in ("v1.dev.txt", "v1.dev.c2100000.txt", "flav_map.txt", "v1.interval_map.txt"):
        shutil.copy(require(AZURE_SLICES) / name, tmp_path / name)
    return tmp_path / "v1.dev.txt"


def _rewrite_line(path: Path, lineno: int, change) -> None:
    lines = path.read_text().splitlines()
    lines[lineno - 1] = change(lines[lineno - 1])
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("file", "lineno", "change", "message"),
    [
        ("v1.dev.txt", 1, lambda s: s.replace(" m,", " Z,", 1), "v1.dev.txt:1: unknown flavour 'Z'"),
        (
            "v1.dev.c2100000.txt",
            2,
            lambda s: s.replace("U1,", "X1,", 1),
            "v1.dev.c2100000.txt:2: bad duration token 'X1'",
        ),
        ("v1.dev.c2100000.txt", 1, lambda s: s.replace("U1,", "", 1), "v1.dev.c2100000.txt:1: does not match"),
        ("v1.dev.txt", 3, lambda s: "abc " + s.split(" ", 1)[1], "v1.dev.txt:3: expected `<t_seconds> <tokens>`"),
    ],
)
def test_malformed_slices_name_file_and_line(tmp_path: Path, file: str, lineno: int, change, message: str) -> None:
    """A broken token or line raises WorkloadError naming the file and the line."""
    trace = _copy_slices(tmp_path)
    _rewrite_line(tmp_path / file, lineno, change)
    with pytest.raises(WorkloadError, match=re.escape(message)):
        WorkloadSampler(_trace_scenario(trace, "azure-v1-slices"), 1)


def test_malformed_vmtable_and_missing_files(tmp_path: Path) -> None:
    """A vmtable row with a word for vmcorecount, a row deleted before created, a missing trace and a
    flavour trace without its duration file each raise WorkloadError naming the file (and line)."""
    rows = gzip.open(require(AZURE_VMTABLE), "rt").read().splitlines()
    bad = tmp_path / "vmtable.csv"
    fields = rows[3].split(",")
    fields[9] = "one"
    bad.write_text("\n".join(rows[:3] + [",".join(fields)]) + "\n")
    with pytest.raises(
        WorkloadError, match=r"vmtable.csv:4: vmcorecount: must be an integer from 1 to 2147483647 \(got one\)"
    ):
        WorkloadSampler(_trace_scenario(bad, "azure-vmtable"), 1)
    fields = rows[4].split(",")
    fields[3], fields[4] = "900", "600"
    bad.write_text("\n".join(rows[:2] + [",".join(fields)]) + "\n")
    with pytest.raises(
        WorkloadError,
        match=r"vmtable.csv:3: vmdeleted: must be a time in seconds from vmcreated \(900\) to 100000000000 \(got 600\)",
    ):
        WorkloadSampler(_trace_scenario(bad, "azure-vmtable"), 1)
    with pytest.raises(WorkloadError, match=r"workload\[0\]\.arrivals\.trace: trace file not found"):
        WorkloadSampler(_trace_scenario(tmp_path / "nope.txt", "azure-v1-slices"), 1)
    lonely = tmp_path / "v1.alone.txt"
    lonely.write_text("300 a,|\n")
    with pytest.raises(WorkloadError, match=r"v1.alone.txt: expected exactly one duration file"):
        WorkloadSampler(_trace_scenario(lonely, "azure-v1-slices"), 1)
