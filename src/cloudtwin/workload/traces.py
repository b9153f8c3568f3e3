"""Trace replay: VM arrivals read from a file, loaded once and cut into chunks of time.

`azure-v1-slices` — a flavour trace of Bergsma et al. (SOSP'21) with its duration
file and maps beside it (see `azure_v1`). Line i (time starts at the first line)
holds the VMs created in the 5-minute bin [300·i, 300·(i + 1)) s; each batch
(tokens up to a `|`: one tenant's request) arrives at one instant drawn uniformly
in that bin and goes to one zone drawn from the workload's targets, so counts per
bin are exact. Lifetimes: `U<k>` uniform in bin k's interval; `C<k>` (still
running at the censoring time c, age a = c − t_line) drawn from the shipped Azure
V1 table conditioned on exceeding a.

`azure-vmtable` — the raw Azure V1 `vmtable` CSV (gzip or plain, no header;
vmcreated/vmdeleted in seconds, vmcorecount, vmmemory in GB, read as GiB):
time starts at the earliest vmcreated, lifetime = vmdeleted − vmcreated, zones
drawn per VM from the targets. Both give instance_type −1 (raw sizes).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import TraceArrivals
from cloudtwin.workload.azure_v1 import (
    BATCH_END,
    censoring_time_s,
    find_companions,
    parse_duration_token,
    read_flavour_map,
    read_interval_map,
    read_token_lines,
)
from cloudtwin.workload.lifetimes import azure_v1_table
from cloudtwin.workload.streams import Purpose, Streams
from cloudtwin.workload.targets import Categorical

BIN_S = 300  # the slices' time bin: 5 minutes
VMTABLE_COLUMNS = (
    "vmid", "subscriptionid", "deploymentid", "vmcreated", "vmdeleted",
    "maxcpu", "avgcpu", "p95maxcpu", "vmcategory", "vmcorecount", "vmmemory",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class TraceSource:
    """A replayed trace workload: all its arrivals, sorted, and the span they cover."""

    workload: int
    arrivals: Arrivals
    span_s: float

    def between(self, t0_s: float, t1_s: float) -> Arrivals:
        lo, hi = np.searchsorted(self.arrivals.time_s, [t0_s, t1_s], side="left")
        return self.arrivals.slice(int(lo), int(hi))


def resolve_trace_path(trace: str, where: str) -> Path:
    """An absolute path as given; a relative one against the working directory (the loader resolves it first)."""
    path = Path(trace).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.is_file():
        raise WorkloadError(f"{where}: trace file not found: {path}")
    return path


def load_trace(workload: int, spec: TraceArrivals, zones: Categorical, streams: Streams, where: str) -> TraceSource:
    path = resolve_trace_path(spec.trace, f"{where}.arrivals.trace")
    if spec.format == "azure-v1-slices":
        arrivals, span_s = read_azure_v1_slices(path, workload, zones, streams)
    else:
        arrivals, span_s = read_azure_vmtable(path, workload, zones, streams)
    return TraceSource(workload=workload, arrivals=arrivals, span_s=span_s)


def _sorted(columns: dict[str, np.ndarray]) -> Arrivals:
    order = np.argsort(columns["time_s"], kind="stable")
    return Arrivals.from_columns(**{k: v[order] for k, v in columns.items()})


@dataclass(frozen=True, eq=False)
class _SliceVMs:
    """Per VM of a slice trace: size, duration token and batch; per batch: its 5-minute bin."""

    vcpus: np.ndarray
    memory_gib: np.ndarray
    censored: np.ndarray
    duration_bin: np.ndarray
    age_s: np.ndarray  # age at the censoring time (used when censored)
    batch: np.ndarray
    batch_bin: np.ndarray
    n_bins: int


def _walk_slices(path: Path, duration_path: Path, flavours: dict[str, tuple[int, float]], n_bins: int) -> _SliceVMs:
    """Pair the flavour and duration traces token by token, checking that they agree line by line."""
    censor_s = censoring_time_s(duration_path)
    flavour_lines, duration_lines = read_token_lines(path), read_token_lines(duration_path)
    if len(flavour_lines) != len(duration_lines):
        raise WorkloadError(f"{duration_path}: {len(duration_lines)} lines, but {path.name} has {len(flavour_lines)}")
    first_s = flavour_lines[0].time_s
    vms: list[tuple[int, float, bool, int, int, int]] = []
    batch_bin: list[int] = []
    for fl, dl in zip(flavour_lines, duration_lines):
        if fl.time_s != dl.time_s or len(fl.tokens) != len(dl.tokens):
            raise WorkloadError(
                f"{duration_path}:{dl.lineno}: does not match {path.name}:{fl.lineno} (time or VM count)"
            )
        if (fl.time_s - first_s) % BIN_S:
            raise WorkloadError(f"{path}:{fl.lineno}: time {fl.time_s} is off the {BIN_S}-s grid of the first line")
        open_batch = False
        for f_tok, d_tok in zip(fl.tokens, dl.tokens):
            if (f_tok == BATCH_END) != (d_tok == BATCH_END):
                raise WorkloadError(f"{duration_path}:{dl.lineno}: batch marks `|` differ from {path.name}")
            if f_tok == BATCH_END:
                open_batch = False
                continue
            if f_tok not in flavours:
                raise WorkloadError(f"{path}:{fl.lineno}: unknown flavour {f_tok!r} (not in the flavour map)")
            if not open_batch:
                batch_bin.append((fl.time_s - first_s) // BIN_S)
                open_batch = True
            is_censored, k = parse_duration_token(d_tok, duration_path, dl.lineno, n_bins)
            vms.append((*flavours[f_tok], is_censored, k, censor_s - dl.time_s, len(batch_bin) - 1))
    columns = list(zip(*vms)) if vms else [()] * 6
    return _SliceVMs(
        vcpus=np.asarray(columns[0], dtype=np.int32),
        memory_gib=np.asarray(columns[1], dtype=np.float64),
        censored=np.asarray(columns[2], dtype=bool),
        duration_bin=np.asarray(columns[3], dtype=np.int64),
        age_s=np.asarray(columns[4], dtype=np.float64),
        batch=np.asarray(columns[5], dtype=np.int64),
        batch_bin=np.asarray(batch_bin, dtype=np.float64),
        n_bins=(flavour_lines[-1].time_s - first_s) // BIN_S + 1,
    )


def read_azure_v1_slices(path: Path, workload: int, zones: Categorical, streams: Streams) -> tuple[Arrivals, float]:
    """Arrivals of a flavour trace `<stem>.txt` and its `<stem>.c<seconds>.txt`; returns (arrivals, span_s)."""
    duration_path, flavour_map_path, interval_map_path = find_companions(path)
    bins = read_interval_map(interval_map_path)
    vms = _walk_slices(path, duration_path, read_flavour_map(flavour_map_path), len(bins))
    n, n_batches = len(vms.vcpus), len(vms.batch_bin)
    batch_time_s = (vms.batch_bin + streams.generator(workload, Purpose.ARRIVAL_TIMES).random(n_batches)) * BIN_S
    batch_zone = zones.draw(streams.generator(workload, Purpose.TARGETS), n_batches)
    lifetime_rng = streams.generator(workload, Purpose.LIFETIMES)
    return _sorted({
        "time_s": batch_time_s[vms.batch],
        "vcpus": vms.vcpus,
        "memory_mib": np.round(vms.memory_gib * 1024).astype(np.int64),
        "zone": batch_zone[vms.batch],
        "lifetime_s": _slice_lifetimes(vms, bins.lo_s, bins.hi_s, lifetime_rng),
        "workload": np.full(n, workload, dtype=np.int32),
    }), float(vms.n_bins * BIN_S)  # fmt: skip


def _slice_lifetimes(vms: _SliceVMs, lo_s: np.ndarray, hi_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Completed: uniform in the bin's interval. Censored at age a: the Azure V1 table conditioned on L > a."""
    k_done = np.where(vms.censored, 0, vms.duration_bin)
    lifetime_s = lo_s[k_done] + rng.random(len(k_done)) * (hi_s[k_done] - lo_s[k_done])
    lifetime_s[vms.censored] = azure_v1_table().sample_beyond(vms.age_s[vms.censored], rng)
    return lifetime_s


def _text_stream(path: Path) -> io.TextIOBase:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def read_azure_vmtable(path: Path, workload: int, zones: Categorical, streams: Streams) -> tuple[Arrivals, float]:
    """Arrivals of a raw Azure V1 `vmtable` CSV; returns (arrivals, span_s)."""
    created: list[float] = []
    deleted: list[float] = []
    cores: list[float] = []
    memory_gb: list[float] = []
    lines: list[int] = []
    try:
        with _text_stream(path) as stream:
            for lineno, row in enumerate(csv.reader(stream), start=1):
                if not row or (lineno == 1 and row[0].strip().lower() == "vmid"):
                    continue
                if len(row) != len(VMTABLE_COLUMNS):
                    raise WorkloadError(f"{path}:{lineno}: expected {len(VMTABLE_COLUMNS)} columns (got {len(row)})")
                try:
                    values = [float(row[i]) for i in (3, 4, 9, 10)]
                except ValueError:
                    raise WorkloadError(
                        f"{path}:{lineno}: vmcreated, vmdeleted, vmcorecount and vmmemory must be numbers "
                        f"(got {row[3]!r}, {row[4]!r}, {row[9]!r}, {row[10]!r})"
                    ) from None
                for column, value in zip((created, deleted, cores, memory_gb), values):
                    column.append(value)
                lines.append(lineno)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise WorkloadError(f"{path}: cannot be read as a vmtable CSV ({exc})") from None
    c, d, v, m = (np.asarray(x, dtype=np.float64) for x in (created, deleted, cores, memory_gb))
    bad = ~(np.isfinite(c) & (c >= 0) & (d >= c) & (v >= 1) & (v == np.round(v)) & (m > 0))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise WorkloadError(
            f"{path}:{lines[i]}: need 0 <= vmcreated <= vmdeleted, an integer vmcorecount >= 1 and vmmemory > 0 "
            f"(got {c[i]:g}, {d[i]:g}, {v[i]:g}, {m[i]:g}; {int(bad.sum())} bad row(s))"
        )
    n = len(c)
    start_s = float(c.min()) if n else 0.0
    return _sorted({
        "time_s": c - start_s,
        "vcpus": v.astype(np.int32),
        "memory_mib": np.round(m * 1024).astype(np.int64),
        "zone": zones.draw(streams.generator(workload, Purpose.TARGETS), n),
        "lifetime_s": d - c,
        "workload": np.full(n, workload, dtype=np.int32),
    }), float(d.max() - start_s) if n else 0.0  # fmt: skip
