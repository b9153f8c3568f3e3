"""Readers for the Azure V1 (2017) trace slices as re-encoded by Bergsma et al. (SOSP'21).

Files (see shared/data/azure-vm-2017-rnn-slices/README.md): a flavour trace
(`<t_s> f,f,|,f,...`), its duration trace (`<t_s> U<bin>,C<bin>,|,...`, censored
at the seconds in its name `*.c<seconds>.txt`), `flav_map.txt` (`<vcpus>,<mem GB> <letter>`)
and `v1.interval_map.txt` (`<duration_s> <bin>`). The trace's timestamps are
5-minute samples, so a recorded duration v (a multiple of 300 s) stands for true
lifetimes in [v − 150 s, v + 150 s): the continuous interval of a duration bin
is its recorded values widened by half a step on each side (clipped at 0).

The files are read as hostile input: ASCII text, lines split at `\\n` (a trailing
`\\r` dropped), whole numbers in ASCII digits, every number within the bounds
below. Anything else is a `WorkloadError` naming the file and, where there is
one, the line (`FILE:LINE: message (got TEXT)`), never another exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cloudtwin.errors import WorkloadError

BATCH_END = "|"
_CENSOR_IN_NAME = re.compile(r"\.c([0-9]+)\.txt$")

# Bounds on what a trace may say (shared with the vmtable reader in `traces`).
#: Times and durations in seconds: at most ~3,170 years, so that float64 keeps them exact to ~15 µs and
#: below the replicas' 1e12-s "forever" even once a lifetime is added to an arrival time.
MAX_TIME_S = 10**11
#: vCPUs per VM: the int32 range of `Arrivals.vcpus`.
MAX_VCPUS = 2**31 - 1
#: Memory per VM in GB (read as GiB, stored as whole MiB): at least 1 MiB, at most 2**31 GB (2**41 MiB),
#: so `round(GB * 1024)` fits the int64 `Arrivals.memory_mib` with room to sum millions of VMs.
MIN_MEMORY_GB = 1 / 1024
MAX_MEMORY_GB = 2**31
#: Digits beyond which a whole number is not even converted (it is far past every bound above).
_MAX_DIGITS = 18


def shown(text: str, limit: int = 40) -> str:
    """`text` for an error message: as written when short, printable and unpadded; else its repr, cut."""
    if text and len(text) <= limit and text.isprintable() and text == text.strip():
        return text
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def quoted(text: str, limit: int = 40) -> str:
    """A trace token for an error message: its repr, cut to `limit` characters."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _whole(text: str) -> int | None:
    """A whole number written in ASCII digits (any length), else None; absurdly long ones read as 10**18."""
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= _MAX_DIGITS else 10**_MAX_DIGITS


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
    """The lines of an ASCII file (split at `\\n`, a trailing `\\r` dropped); unreadable or non-ASCII is an error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise WorkloadError(f"{path}: file not found") from None
    except OSError as exc:
        raise WorkloadError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        lineno = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise WorkloadError(
            f"{path}:{lineno}: not ASCII text (byte 0x{raw[exc.start]:02x} at column {column})"
        ) from None
    return [line.removesuffix("\r") for line in text.split("\n")]


def read_interval_map(path: Path) -> DurationBins:
    """Parse `<duration_s> <bin>` lines into per-bin recorded ranges.

    Durations (whole seconds, at most MAX_TIME_S) must increase in even steps; bins run 0, 1, 2, ...
    without gaps, each a run of consecutive lines.
    """
    durations: list[int] = []
    bins: list[int] = []
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.split()
        numbers = [_whole(p) for p in parts]
        if len(parts) != 2 or None in numbers:
            raise WorkloadError(
                f"{path}:{lineno}: expected `<duration_s> <bin>`, two whole numbers (got {shown(line, 60)})"
            )
        duration, k = int(numbers[0] or 0), int(numbers[1] or 0)
        if duration > MAX_TIME_S:
            raise WorkloadError(f"{path}:{lineno}: duration must be at most {MAX_TIME_S} s (got {shown(parts[0])})")
        if durations and duration <= durations[-1]:
            raise WorkloadError(f"{path}:{lineno}: durations must increase (got {duration} after {durations[-1]})")
        if len(durations) >= 2 and duration - durations[-1] != durations[1] - durations[0]:
            raise WorkloadError(
                f"{path}:{lineno}: durations must be evenly spaced "
                f"(steps of {durations[1] - durations[0]} s; got {duration} after {durations[-1]})"
            )
        allowed = (bins[-1], bins[-1] + 1) if bins else (0,)
        if k not in allowed:
            after = f" after bin {bins[-1]}" if bins else " on the first line"
            raise WorkloadError(
                f"{path}:{lineno}: bins must run 0, 1, 2, ... without gaps (got {shown(parts[1])}{after})"
            )
        durations.append(duration)
        bins.append(k)
    if not durations:
        raise WorkloadError(f"{path}: empty interval map (no `<duration_s> <bin>` lines)")
    d, b = np.asarray(durations, dtype=np.float64), np.asarray(bins, dtype=np.int64)
    first = np.flatnonzero(np.diff(b, prepend=-1))  # each bin's first line (bins are runs of lines)
    last = np.append(first[1:], len(b)) - 1
    step = float(d[1] - d[0]) if len(d) > 1 else 300.0
    return DurationBins(value_min_s=d[first], value_max_s=d[last], step_s=step)


def read_flavour_map(path: Path) -> dict[str, tuple[int, float]]:
    """Parse `<vcpus>,<memory GB> <letter>` lines into letter -> (vcpus, memory GiB), within the bounds above."""
    flavours: dict[str, tuple[int, float]] = {}
    defined_on: dict[str, int] = {}
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            if len(parts) != 2 or parts[0].count(",") != 1:
                raise ValueError
            vcpus_text, memory_text = parts[0].split(",")
            vcpus, memory_gb = float(vcpus_text), float(memory_text)
        except ValueError:
            raise WorkloadError(
                f"{path}:{lineno}: expected `<vcpus>,<memory GB> <letter>` (got {shown(line, 60)})"
            ) from None
        if not (1 <= vcpus <= MAX_VCPUS and vcpus.is_integer()):
            raise WorkloadError(
                f"{path}:{lineno}: vCPUs must be an integer from 1 to {MAX_VCPUS} (got {shown(vcpus_text)})"
            )
        if not MIN_MEMORY_GB <= memory_gb <= MAX_MEMORY_GB:
            raise WorkloadError(
                f"{path}:{lineno}: memory must be from 1/1024 (1 MiB) to {MAX_MEMORY_GB} GB (got {shown(memory_text)})"
            )
        letter = parts[1]
        if letter == BATCH_END or "," in letter:
            raise WorkloadError(
                f"{path}:{lineno}: a flavour name must not be `|` or hold a comma (got {quoted(letter)})"
            )
        if letter in defined_on:
            raise WorkloadError(
                f"{path}:{lineno}: flavour {quoted(letter)} is already defined on line {defined_on[letter]}"
            )
        defined_on[letter] = lineno
        flavours[letter] = (int(vcpus), memory_gb)
    if not flavours:
        raise WorkloadError(f"{path}: empty flavour map (no `<vcpus>,<memory GB> <letter>` lines)")
    return flavours


@dataclass(frozen=True)
class TokenLine:
    """One line of a slice trace: its file line number, bin-end time and tokens (`|` kept)."""

    lineno: int
    time_s: int
    tokens: list[str]


def read_token_lines(path: Path) -> list[TokenLine]:
    """Parse `<t_s> tok,tok,...` lines; times are whole seconds up to MAX_TIME_S and must strictly increase."""
    out: list[TokenLine] = []
    previous = -1
    for lineno, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        head, _, rest = line.strip().partition(" ")
        time_s = _whole(head)
        if time_s is None:
            raise WorkloadError(f"{path}:{lineno}: expected `<t_seconds> <tokens>` (got {shown(line, 60)})")
        if time_s > MAX_TIME_S:
            raise WorkloadError(f"{path}:{lineno}: time must be at most {MAX_TIME_S} s (got {shown(head)})")
        if time_s <= previous:
            raise WorkloadError(f"{path}:{lineno}: times must increase (got {time_s} after {previous})")
        previous = time_s
        tokens = [tok for tok in rest.strip().split(",") if tok]
        out.append(TokenLine(lineno, time_s, tokens))
    if not out:
        raise WorkloadError(f"{path}: no trace lines")
    return out


def censoring_time_s(path: Path) -> int:
    """The censoring time written in a duration file's name, `*.c<seconds>.txt` (at most MAX_TIME_S)."""
    match = _CENSOR_IN_NAME.search(path.name)
    if match is None:
        raise WorkloadError(f"{path}: duration file name must end in `.c<censoring seconds>.txt`")
    censor_s = _whole(match.group(1))
    if censor_s is None or censor_s > MAX_TIME_S:
        raise WorkloadError(f"{path}: censoring time in the file name must be at most {MAX_TIME_S} s")
    return censor_s


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def find_companions(flavour_path: Path) -> tuple[Path, Path, Path]:
    """(duration file, flav_map.txt, <prefix>.interval_map.txt) beside a flavour trace `<stem>.txt`.

    The duration file is `<stem>.c<seconds>.txt` in the same folder; the maps are
    looked for beside the trace, then in `../maps/` (the upstream repository layout).
    """
    folder, stem = flavour_path.parent, flavour_path.name.removesuffix(".txt")
    duration_name = re.compile(re.escape(stem) + r"\.c[0-9]+\.txt")
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError as exc:
        raise WorkloadError(f"{flavour_path}: cannot list its folder ({exc.strerror or type(exc).__name__})") from None
    candidates = sorted(folder / n for n in names if duration_name.fullmatch(n) and _is_file(folder / n))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise WorkloadError(
            f"{flavour_path}: expected exactly one duration file `{stem}.c<seconds>.txt` beside it (found {found})"
        )
    prefix = stem.split(".")[0]
    maps = []
    for name in ("flav_map.txt", f"{prefix}.interval_map.txt"):
        for place in (folder / name, folder.parent / "maps" / name):
            if _is_file(place):
                maps.append(place)
                break
        else:
            raise WorkloadError(f"{flavour_path}: map `{name}` not found beside it or in ../maps/")
    return candidates[0], maps[0], maps[1]


def parse_duration_token(
    token: str, path: Path, lineno: int, n_bins: int, map_path: Path | None = None
) -> tuple[bool, int]:
    """`U<bin>` -> (False, bin); `C<bin>` -> (True, bin); anything else, or a bin past the interval map
    (`map_path`, named in the message when given), is an error naming the line."""
    kind, k = token[:1], _whole(token[1:])
    if kind not in ("U", "C") or k is None:
        raise WorkloadError(f"{path}:{lineno}: bad duration token {quoted(token)} (expected U<bin> or C<bin>)")
    if k >= n_bins:
        where = f" {map_path}" if map_path is not None else ""
        raise WorkloadError(
            f"{path}:{lineno}: duration bin {shown(token[1:])} is not in the interval map{where} (0..{n_bins - 1})"
        )
    return kind == "C", k
