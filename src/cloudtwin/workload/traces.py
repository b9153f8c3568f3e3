"""Trace replay: VM arrivals read from a file, loaded once and cut into chunks of time.

`azure-v1-slices` — a flavour trace of Bergsma et al. (SOSP'21) with its duration
file and maps beside it (see `azure_v1`). Line i (time starts at the first line)
holds the VMs created in the 5-minute bin [300·i, 300·(i + 1)) s; each batch
(tokens up to a `|`: one tenant's request) arrives at one instant drawn uniformly
in that bin and goes to one zone drawn from the workload's targets, so counts per
bin are exact. Lifetimes: `U<k>` uniform in bin k's interval; `C<k>` (still
running at the censoring time c, age a = c − t_line) drawn from the shipped Azure
V1 table conditioned on exceeding a.

`azure-vmtable` — the raw Azure V1 `vmtable` CSV (gzip or plain UTF-8, no header
or a `vmid,...` one; vmcreated/vmdeleted in seconds, vmcorecount, vmmemory in GB,
read as GiB): time starts at the earliest vmcreated, lifetime = vmdeleted − vmcreated,
zones drawn per VM from the targets. Both give instance_type −1 (raw sizes).

Both readers take hostile files: every value must lie within the bounds in `azure_v1`
(MAX_TIME_S, MAX_VCPUS, MIN/MAX_MEMORY_GB), and a bad file is one `WorkloadError` line
naming it and the line, for the vmtable `FILE:LINE: COLUMN: RULE (got TEXT)` with the
text as written, e.g. `vmtable.csv:7: vmcorecount: must be an integer from 1 to
2147483647 (got 1e12)`, never another exception or a numpy warning.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from array import array
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn, cast

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import TraceArrivals
from cloudtwin.workload.azure_v1 import (
    BATCH_END,
    MAX_MEMORY_GB,
    MAX_TIME_S,
    MAX_VCPUS,
    MIN_MEMORY_GB,
    DurationBins,
    censoring_time_s,
    find_companions,
    parse_duration_token,
    quoted,
    read_flavour_map,
    read_interval_map,
    read_token_lines,
    shown,
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


def _walk_slices(
    path: Path, duration_path: Path, flavour_map: Path, interval_map: Path, bins: DurationBins
) -> _SliceVMs:
    """Pair the flavour and duration traces token by token, checking that they agree line by line."""
    flavours = read_flavour_map(flavour_map)
    censor_s = censoring_time_s(duration_path)
    flavour_lines, duration_lines = read_token_lines(path), read_token_lines(duration_path)
    if len(flavour_lines) != len(duration_lines):
        raise WorkloadError(f"{duration_path}: {len(duration_lines)} lines, but {path} has {len(flavour_lines)}")
    first_s = flavour_lines[0].time_s
    vms: list[tuple[int, float, bool, int, int, int]] = []
    batch_bin: list[int] = []
    for fl, dl in zip(flavour_lines, duration_lines):
        if fl.time_s != dl.time_s or len(fl.tokens) != len(dl.tokens):
            raise WorkloadError(f"{duration_path}:{dl.lineno}: does not match {path}:{fl.lineno} (time or VM count)")
        if (fl.time_s - first_s) % BIN_S:
            raise WorkloadError(f"{path}:{fl.lineno}: time {fl.time_s} is off the {BIN_S}-s grid of the first line")
        if dl.time_s > censor_s:
            raise WorkloadError(
                f"{duration_path}:{dl.lineno}: time {dl.time_s} is after the censoring time {censor_s} s in the file name"
            )
        open_batch = False
        for f_tok, d_tok in zip(fl.tokens, dl.tokens):
            if (f_tok == BATCH_END) != (d_tok == BATCH_END):
                raise WorkloadError(f"{duration_path}:{dl.lineno}: batch marks `|` differ from {path}:{fl.lineno}")
            if f_tok == BATCH_END:
                open_batch = False
                continue
            if f_tok not in flavours:
                raise WorkloadError(f"{path}:{fl.lineno}: unknown flavour {quoted(f_tok)} (not in {flavour_map})")
            if not open_batch:
                batch_bin.append((fl.time_s - first_s) // BIN_S)
                open_batch = True
            is_censored, k = parse_duration_token(d_tok, duration_path, dl.lineno, len(bins), interval_map)
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
    """Arrivals of a flavour trace `<stem>.txt` and its `<stem>.c<seconds>.txt`; returns (arrivals, span_s).

    Every bad file (or missing companion) is a `WorkloadError` naming it (see `azure_v1`)."""
    duration_path, flavour_map_path, interval_map_path = find_companions(path)
    bins = read_interval_map(interval_map_path)
    vms = _walk_slices(path, duration_path, flavour_map_path, interval_map_path, bins)
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


# The vmtable columns used, by index, and the rule each must meet (vmdeleted's names vmcreated's text).
_VMTABLE_USED = {"vmcreated": 3, "vmdeleted": 4, "vmcorecount": 9, "vmmemory": 10}
_VMTABLE_RULES = {
    "vmcreated": f"must be a time in seconds from 0 to {MAX_TIME_S}",
    "vmdeleted": "must be a time in seconds from vmcreated ({created}) to " + str(MAX_TIME_S),
    "vmcorecount": f"must be an integer from 1 to {MAX_VCPUS}",
    "vmmemory": f"must be a size in GB from 1/1024 (1 MiB) to {MAX_MEMORY_GB}",
}
_NAN = float("nan")


def _binary_stream(path: Path) -> BinaryIO:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    return cast(BinaryIO, gzip.open(path, "rb")) if gzipped else path.open("rb")


_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # the end of a bare `\r` line break (old Mac files)


def _not_utf8(path: Path) -> WorkloadError:
    """The error for a file that is not UTF-8: read again line by line (lines end as the csv module counts
    them: LF, CR LF or a bare CR) to name the first bad byte's line."""
    lineno = 0
    try:
        with _binary_stream(path) as raw:
            for chunk in raw:
                for line in _LONE_CR.split(chunk) if b"\r" in chunk else [chunk]:
                    lineno += 1
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        return WorkloadError(f"{path}:{lineno}: not UTF-8 text (byte 0x{line[exc.start]:02x})")
    except (OSError, EOFError, zlib.error):
        pass
    return WorkloadError(f"{path}: not UTF-8 text")


def _vmtable_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(file line where it starts, fields) of each data row; blank lines and a `vmid...` header are skipped.

    Close it (`contextlib.closing`) when not read to the end."""
    reader = None
    try:
        with _binary_stream(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            end = 0
            for row in reader:
                start, end = end + 1, reader.line_num
                if row and not (start == 1 and row[0].strip().lower() == "vmid"):
                    yield start, row
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 0
        raise WorkloadError(f"{path}:{line}: not a CSV row ({exc})") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise WorkloadError(f"{path}: cannot be read as a vmtable CSV, plain or gzip ({exc})") from None


def _vmtable_row(path: Path, lineno: int) -> list[str]:
    """The fields of the data row that starts on file line `lineno` (read again: only errors need the text)."""
    with closing(_vmtable_rows(path)) as rows:
        for start, row in rows:
            if start == lineno:
                return row
    raise WorkloadError(f"{path}:{lineno}: the file changed while it was read")


def _floats(row: list[str]) -> tuple[float, float, float, float]:
    """The used columns as floats; NaN (bad under every rule) for a missing column or one that is not a number."""
    if len(row) != len(VMTABLE_COLUMNS):
        return _NAN, _NAN, _NAN, _NAN
    try:
        return float(row[3]), float(row[4]), float(row[9]), float(row[10])
    except ValueError:
        out = []
        for i in _VMTABLE_USED.values():
            try:
                out.append(float(row[i]))
            except ValueError:
                out.append(_NAN)
        return out[0], out[1], out[2], out[3]


def read_azure_vmtable(path: Path, workload: int, zones: Categorical, streams: Streams) -> tuple[Arrivals, float]:
    """Arrivals of a raw Azure V1 `vmtable` CSV; returns (arrivals, span_s).

    Every row must have the 11 columns and its used ones meet `_VMTABLE_RULES` (bounds from `azure_v1`);
    else one `WorkloadError` line for the first bad row: `FILE:LINE: COLUMN: RULE (got TEXT)`, TEXT as
    written, with `(K bad rows)` appended when there are more. Rows are parsed to float arrays and checked
    with numpy at once; only the first bad row is read again for its text.
    """
    values = array("d")  # vmcreated, vmdeleted, vmcorecount, vmmemory of each row in turn
    lines = array("q")
    with closing(_vmtable_rows(path)) as rows:
        for lineno, row in rows:
            lines.append(lineno)
            values.extend(_floats(row))
    if not lines:
        raise WorkloadError(
            f"{path}: no VM rows (expected {len(VMTABLE_COLUMNS)} columns: {', '.join(VMTABLE_COLUMNS)})"
        )
    c, d, v, m = np.frombuffer(values, dtype=np.float64).reshape(-1, 4).T.copy()
    with np.errstate(all="ignore"):  # NaN and inf compare False/True without a warning; errstate for safety
        ok = {
            "vmcreated": (c >= 0) & (c <= MAX_TIME_S),
            "vmdeleted": (d >= c) & (d <= MAX_TIME_S),
            "vmcorecount": (v >= 1) & (v <= MAX_VCPUS) & (np.floor(v) == v),
            "vmmemory": (m >= MIN_MEMORY_GB) & (m <= MAX_MEMORY_GB),
        }
    bad = ~(ok["vmcreated"] & ok["vmdeleted"] & ok["vmcorecount"] & ok["vmmemory"])
    if np.any(bad):
        first = int(np.argmax(bad))
        _raise_bad_row(path, first, lines[first], ok, int(bad.sum()))
    n = len(c)
    start_s = float(c.min())
    return _sorted({
        "time_s": c - start_s,
        "vcpus": v.astype(np.int32),
        "memory_mib": np.round(m * 1024).astype(np.int64),
        "zone": zones.draw(streams.generator(workload, Purpose.TARGETS), n),
        "lifetime_s": d - c,
        "workload": np.full(n, workload, dtype=np.int32),
    }), float(d.max() - start_s)  # fmt: skip


def _raise_bad_row(path: Path, i: int, lineno: int, ok: dict[str, np.ndarray], n_bad: int) -> NoReturn:
    """The error for bad row `i` (on file line `lineno`): its first broken column with the text as written."""
    more = f" ({n_bad} bad rows)" if n_bad > 1 else ""
    row = _vmtable_row(path, lineno)
    if len(row) != len(VMTABLE_COLUMNS):
        raise WorkloadError(f"{path}:{lineno}: expected {len(VMTABLE_COLUMNS)} columns (got {len(row)}){more}")
    column = next(name for name in _VMTABLE_USED if not ok[name][i])
    rule = _VMTABLE_RULES[column].format(created=shown(row[_VMTABLE_USED["vmcreated"]]))
    raise WorkloadError(f"{path}:{lineno}: {column}: {rule} (got {shown(row[_VMTABLE_USED[column]])}){more}")
