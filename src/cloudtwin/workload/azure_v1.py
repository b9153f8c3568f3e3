"""Readers for the Azure V1 (2017) trace slices as re-encoded by Bergsma et al. (SOSP'21).

Files (see shared/data/azure-vm-2017-rnn-slices/README.md): a flavour trace
(`<t_s> f,f,|,f,...`), its duration trace (`<t_s> U<bin>,C<bin>,|,...`, censored
at the seconds in its name `*.c<seconds>.txt`), `flav_map.txt` (`<vcpus>,<mem GB> <letter>`)
and `v1.interval_map.txt` (`<duration_s> <bin>`). The trace's timestamps are
5-minute samples, so a recorded duration v (a multiple of 300 s) stands for true
lifetimes in [v − 150 s, v + 150 s): the continuous interval of a duration bin
is its recorded values widened by half a step on each side (clipped at 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cloudtwin.errors import WorkloadError

BATCH_END = "|"
_CENSOR_IN_NAME = re.compile(r"\.c(\d+)\.txt$")


@dataclass(frozen=True, eq=False)
class DurationBins:
    """Duration bins of an interval map: recorded values and the continuous lifetime interval of each bin."""

    value_min_s: np.ndarray  # float64, smallest recorded duration in the bin
    value_max_s: np.ndarray  # float64, largest recorded duration in the bin
    step_s: float  # sampling step of recorded durations (300 s)

    @property
    def lo_s(self) -> np.ndarray:
        return np.maximum(self.value_min_s - self.step_s / 2, 0.0)

    @property
    def hi_s(self) -> np.ndarray:
        return self.value_max_s + self.step_s / 2

    def __len__(self) -> int:
        return len(self.value_min_s)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise WorkloadError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkloadError(f"{path}: cannot be read ({exc})") from None


def read_interval_map(path: Path) -> DurationBins:
    """Parse `<duration_s> <bin>` lines into per-bin recorded ranges; bins must be 0, 1, ... in order."""
    durations: list[int] = []
    bins: list[int] = []
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise WorkloadError(f"{path}:{lineno}: expected `<duration_s> <bin>` (got {line!r})")
        durations.append(int(parts[0]))
        bins.append(int(parts[1]))
    if not durations:
        raise WorkloadError(f"{path}: empty interval map")
    d, b = np.asarray(durations), np.asarray(bins)
    steps = np.diff(d)
    if np.any(steps <= 0) or np.any(np.diff(b) < 0) or np.any(np.diff(b) > 1) or b[0] != 0:
        raise WorkloadError(f"{path}: durations must increase and bins run 0, 1, 2, ... without gaps")
    step = float(steps.min()) if len(steps) else 300.0
    if np.any(steps != step):
        raise WorkloadError(f"{path}: durations must be evenly spaced (steps of {step:g} s)")
    n = int(b[-1]) + 1
    vmin = np.array([d[b == k].min() for k in range(n)], dtype=np.float64)
    vmax = np.array([d[b == k].max() for k in range(n)], dtype=np.float64)
    return DurationBins(value_min_s=vmin, value_max_s=vmax, step_s=step)


def read_flavour_map(path: Path) -> dict[str, tuple[int, float]]:
    """Parse `<vcpus>,<memory GB> <letter>` lines into letter -> (vcpus, memory GiB)."""
    flavours: dict[str, tuple[int, float]] = {}
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            size, letter = line.split()
            vcpus_text, memory_text = size.split(",")
            vcpus, memory_gib = int(vcpus_text), float(memory_text)
        except ValueError:
            raise WorkloadError(f"{path}:{lineno}: expected `<vcpus>,<memory GB> <letter>` (got {line!r})") from None
        if vcpus <= 0 or not memory_gib > 0:
            raise WorkloadError(f"{path}:{lineno}: vCPUs and memory must be > 0 (got {line!r})")
        flavours[letter] = (vcpus, memory_gib)
    return flavours


@dataclass(frozen=True)
class TokenLine:
    """One line of a slice trace: its file line number, bin-end time and tokens (`|` kept)."""

    lineno: int
    time_s: int
    tokens: list[str]


def read_token_lines(path: Path) -> list[TokenLine]:
    """Parse `<t_s> tok,tok,...` lines; times must strictly increase."""
    out: list[TokenLine] = []
    previous = -1
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        head, _, rest = line.strip().partition(" ")
        if not head.isdigit():
            raise WorkloadError(f"{path}:{lineno}: expected `<t_seconds> <tokens>` (got {line[:60]!r})")
        time_s = int(head)
        if time_s <= previous:
            raise WorkloadError(f"{path}:{lineno}: times must increase (got {time_s} after {previous})")
        previous = time_s
        tokens = [tok for tok in rest.strip().split(",") if tok]
        out.append(TokenLine(lineno, time_s, tokens))
    if not out:
        raise WorkloadError(f"{path}: no trace lines")
    return out


def censoring_time_s(path: Path) -> int:
    """The censoring time written in a duration file's name, `*.c<seconds>.txt`."""
    match = _CENSOR_IN_NAME.search(path.name)
    if match is None:
        raise WorkloadError(f"{path}: duration file name must end in `.c<censoring seconds>.txt`")
    return int(match.group(1))


def find_companions(flavour_path: Path) -> tuple[Path, Path, Path]:
    """(duration file, flav_map.txt, <prefix>.interval_map.txt) beside a flavour trace `<stem>.txt`.

    The duration file is `<stem>.c<seconds>.txt` in the same folder; the maps are
    looked for beside the trace, then in `../maps/` (the upstream repository layout).
    """
    folder, stem = flavour_path.parent, flavour_path.name.removesuffix(".txt")
    candidates = sorted(p for p in folder.glob(f"{stem}.c*.txt") if _CENSOR_IN_NAME.search(p.name))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise WorkloadError(
            f"{flavour_path}: expected exactly one duration file `{stem}.c<seconds>.txt` beside it (found {found})"
        )
    prefix = stem.split(".")[0]
    maps = []
    for name in ("flav_map.txt", f"{prefix}.interval_map.txt"):
        for place in (folder / name, folder.parent / "maps" / name):
            if place.is_file():
                maps.append(place)
                break
        else:
            raise WorkloadError(f"{flavour_path}: map `{name}` not found beside it or in ../maps/")
    return candidates[0], maps[0], maps[1]


def parse_duration_token(token: str, path: Path, lineno: int, n_bins: int) -> tuple[bool, int]:
    """`U<bin>` -> (False, bin); `C<bin>` -> (True, bin); anything else is an error naming the line."""
    kind, number = token[:1], token[1:]
    if kind not in ("U", "C") or not number.isdigit():
        raise WorkloadError(f"{path}:{lineno}: bad duration token {token!r} (expected U<bin> or C<bin>)")
    k = int(number)
    if kind == "U" and k >= n_bins:
        raise WorkloadError(f"{path}:{lineno}: duration bin {k} is not in the interval map (0..{n_bins - 1})")
    return kind == "C", k
