"""Both trace readers take hostile files: any bytes give Arrivals that keep their invariants or one
`CloudtwinError` line naming the file (and line), never another exception and never a warning."""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import CloudtwinError, WorkloadError
from cloudtwin.workload.streams import Streams
from cloudtwin.workload.targets import Categorical
from cloudtwin.workload.traces import read_azure_v1_slices, read_azure_vmtable

# Every example rewrites the files it reads, so sharing the function-scoped tmp_path across examples is safe.
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# A small valid slice set: flavour trace v1.t.txt, durations censored at 1500 s, the maps beside them.
SLICES = {
    "v1.t.txt": "600 a,|,g,g,|\n900 |\n1200 o,a,|\n",
    "v1.t.c1500.txt": "600 U0,|,U1,C2,|\n900 |\n1200 U3,C0,|\n",
    "flav_map.txt": "1,0.75 a\n2,3.5 g\n8,56 o\n",
    "v1.interval_map.txt": "0 0\n300 1\n600 2\n900 3\n1200 3\n",
}
VMROW = "vm{i},sub,dep,{c},{d},99.3,3.4,10.1,Interactive,{v},{m}"


def _read(reader, path: Path) -> tuple[Arrivals, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return reader(path, 0, Categorical(np.ones(2)), Streams(7))


def _arrivals_or_refusal(reader, path: Path, named: Path) -> None:
    """`reader` gives Arrivals that keep their invariants, or a one-line CloudtwinError naming `named`."""
    try:
        arrivals, span_s = _read(reader, path)
    except CloudtwinError as exc:
        assert str(named) in str(exc) and "\n" not in str(exc), str(exc)
        return
    assert np.all(np.isfinite(arrivals.time_s)) and np.all(arrivals.time_s >= 0)
    assert np.all(np.diff(arrivals.time_s) >= 0)
    assert np.all(arrivals.vcpus >= 1) and np.all(arrivals.memory_mib > 0)
    assert np.all(np.isfinite(arrivals.lifetime_s)) and np.all(arrivals.lifetime_s >= 0)
    assert np.isfinite(span_s) and span_s >= 0


def _write_slices(folder: Path, **changed: str | bytes) -> Path:
    """The valid slice set in `folder`, with the named files (dots as underscores) replaced."""
    for name, text in SLICES.items():
        content = changed.get(name.replace(".", "_"), text)
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder / "v1.t.txt"


def _vmtable(folder: Path, *rows: str, name: str = "vmtable.csv") -> Path:
    path = folder / name
    path.write_text("".join(row + "\n" for row in rows))
    return path


def _row(i: int = 0, c: str = "0", d: str = "600", v: str = "1", m: str = "1.75") -> str:
    return VMROW.format(i=i, c=c, d=d, v=v, m=m)


# --- vmtable: explicit cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"v": "1e12"}, "vmcorecount: must be an integer from 1 to 2147483647 (got 1e12)"),
        ({"m": "inf"}, "vmmemory: must be a size in GB from 1/1024 (1 MiB) to 2147483648 (got inf)"),
        ({"d": "inf"}, "vmdeleted: must be a time in seconds from vmcreated (300) to 100000000000 (got inf)"),
        ({"c": "nan"}, "vmcreated: must be a time in seconds from 0 to 100000000000 (got nan)"),
        ({"v": "-0"}, "vmcorecount: must be an integer from 1 to 2147483647 (got -0)"),
        ({"v": "2.5"}, "vmcorecount: must be an integer from 1 to 2147483647 (got 2.5)"),
        ({"m": "1e400"}, "vmmemory: must be a size in GB from 1/1024 (1 MiB) to 2147483648 (got 1e400)"),
        ({"m": "0.0001"}, "vmmemory: must be a size in GB from 1/1024 (1 MiB) to 2147483648 (got 0.0001)"),
        ({"c": "-1", "d": "5"}, "vmcreated: must be a time in seconds from 0 to 100000000000 (got -1)"),
        ({"c": "1E11", "d": "1.5e11"}, "vmdeleted: must be a time in seconds from vmcreated (1E11) to 100000000000"),
        ({"d": "299"}, "vmdeleted: must be a time in seconds from vmcreated (300) to 100000000000 (got 299)"),
        ({"v": "one"}, "vmcorecount: must be an integer from 1 to 2147483647 (got one)"),
        ({"v": "4 x"}, "vmcorecount: must be an integer from 1 to 2147483647 (got 4 x)"),
        ({"v": " x "}, "vmcorecount: must be an integer from 1 to 2147483647 (got ' x ')"),
    ],
)
def test_vmtable_bad_value_is_one_line_with_file_line_column_and_raw_text(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    """A bad value on file line 3 (after a good row and a blank line) gives exactly one line
    `FILE:3: COLUMN: RULE (got TEXT)`, TEXT as written in the file, and no numpy warning."""
    path = _vmtable(tmp_path, _row(0), "", _row(1, **{"c": "300", "d": "900", **fields}))
    with pytest.raises(WorkloadError) as info:
        _read(read_azure_vmtable, path)
    assert info.value.problems == [str(info.value)]
    assert str(info.value).startswith(f"{path}:3: {expected}")


def test_vmtable_first_bad_row_wins_and_the_rest_are_counted(tmp_path: Path) -> None:
    """The first bad row in file order is reported, whatever its kind, with the number of bad rows."""
    path = _vmtable(tmp_path, _row(0), _row(1, m="inf"), _row(2, v="x"), "a,b", _row(3, c="nan"))
    with pytest.raises(WorkloadError) as info:
        _read(read_azure_vmtable, path)
    assert str(info.value) == (
        f"{path}:2: vmmemory: must be a size in GB from 1/1024 (1 MiB) to 2147483648 (got inf) (4 bad rows)"
    )
    path = _vmtable(tmp_path, _row(0), "a,b", _row(1, m="inf"))
    with pytest.raises(WorkloadError, match=re.escape(f"{path}:2: expected 11 columns (got 2) (2 bad rows)")):
        _read(read_azure_vmtable, path)


def test_vmtable_line_numbers_count_file_lines(tmp_path: Path) -> None:
    """A header, a quoted field holding a newline, blank lines and `\r\n` or bare `\r` line ends do not
    shift the reported line."""
    rows = ["vmid," + ",".join(["x"] * 10), _row(0).replace(",sub,", ',"su\nb",'), "", _row(1, v="0")]
    for ending in ("\n", "\r\n", "\r"):
        path = tmp_path / "vmtable.csv"
        path.write_text(ending.join(rows), newline="")
        with pytest.raises(WorkloadError, match=re.escape(f"{path}:5: vmcorecount: must be an integer")):
            _read(read_azure_vmtable, path)
        path.write_bytes(ending.join(rows[:3] + [_row(1, m="1\u00e9")]).encode("latin-1"))
        with pytest.raises(WorkloadError, match=re.escape(f"{path}:5: not UTF-8 text (byte 0xe9)")):
            _read(read_azure_vmtable, path)


def test_vmtable_unreadable_files_name_the_file(tmp_path: Path) -> None:
    """Empty, non-UTF-8, broken gzip and NUL-laden files are WorkloadErrors naming the file (and line)."""
    path = tmp_path / "vmtable.csv"
    cases: list[tuple[bytes, str]] = [
        (b"", ": no VM rows"),
        (b"\n\n", ": no VM rows"),
        (
            _row(0).encode() + b"\n" + _row(1).encode().replace(b"sub", b"s\xffb") + b"\n",
            ":2: not UTF-8 text (byte 0xff",
        ),
        (b"\x1f\x8b\x08\x00garbage", ": cannot be read as a vmtable CSV"),
        (gzip.compress(_row(0).encode())[:-9], ": cannot be read as a vmtable CSV"),
        (b"\x00\x00,\x00\n", ":1: expected 11 columns (got 2)"),
    ]
    for content, message in cases:
        path.write_bytes(content)
        with pytest.raises(WorkloadError, match=re.escape(f"{path}{message}")):
            _read(read_azure_vmtable, path)


def test_vmtable_extremes_within_bounds_are_read_exactly(tmp_path: Path) -> None:
    """Values at the documented bounds are accepted and stored without overflow; -0 is a valid time."""
    path = tmp_path / "vmtable.csv.gz"
    rows = [_row(0, c="-0", d="1e11", v="2147483647", m="2147483648"), _row(1, c="5", d="5", v="1", m="0.0009765625")]
    path.write_bytes(gzip.compress("\n".join(rows).encode()))
    arrivals, span_s = _read(read_azure_vmtable, path)
    assert arrivals.vcpus.tolist() == [2147483647, 1] and arrivals.memory_mib.tolist() == [2**41, 1]
    assert arrivals.lifetime_s.tolist() == [1e11, 0.0] and span_s == 1e11


# --- slices: explicit cases ----------------------------------------------------------------------------


def test_small_slice_set_is_valid(tmp_path: Path) -> None:
    """The hand-written set is valid: 5 VMs in 3 batches, flavour sizes as mapped, span 3 bins."""
    arrivals, span_s = _read(read_azure_v1_slices, _write_slices(tmp_path))
    assert len(arrivals) == 5 and span_s == 900.0
    assert sorted(zip(arrivals.vcpus.tolist(), arrivals.memory_mib.tolist())) == [
        (1, 768), (1, 768), (2, 3584), (2, 3584), (8, 57344),
    ]  # fmt: skip
    assert len(np.unique(arrivals.time_s)) == 3


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        # empty files, only blank lines
        ("v1.t.txt", "", "v1.t.txt: no trace lines"),
        ("v1.t.c1500.txt", "\n\n", "v1.t.c1500.txt: no trace lines"),
        ("flav_map.txt", "", "flav_map.txt: empty flavour map"),
        ("v1.interval_map.txt", " \n", "v1.interval_map.txt: empty interval map"),
        # binary, non-ASCII, NUL bytes
        ("v1.t.txt", b"600 a,|\n\xff\xfe\n", "v1.t.txt:2: not ASCII text (byte 0xff at column 1)"),
        ("flav_map.txt", "1,0.75 a\n2,3.5 g\n8,56 \u00f6\n", "flav_map.txt:3: not ASCII text (byte 0xc3 at column 6)"),
        ("v1.t.txt", "600 a\x00,|,g,g,|\n900 |\n1200 o,a,|\n", "v1.t.txt:1: unknown flavour 'a\\x00'"),
        ("v1.interval_map.txt", "0 0\n300\x00 1\n", "v1.interval_map.txt:2: expected `<duration_s> <bin>`"),
        # huge numbers, negative times, lines with only `|`
        ("v1.t.txt", "9" * 5000 + " a,|\n", "v1.t.txt:1: time must be at most 100000000000 s"),
        (
            "v1.t.c1500.txt",
            "600 U0,|,U1,C9999999999999999999999,|\n900 |\n1200 U3,C0,|\n",
            "v1.t.c1500.txt:1: duration bin 9999999999999999999999 is not in the interval map",
        ),
        ("v1.t.txt", "-300 a,|\n", "v1.t.txt:1: expected `<t_seconds> <tokens>` (got -300 a,|)"),
        ("v1.t.txt", "|\n", "v1.t.txt:1: expected `<t_seconds> <tokens>` (got |)"),
        ("v1.t.txt", "600 a,|\n300 a,|\n", "v1.t.txt:2: times must increase (got 300 after 600)"),
        ("v1.t.txt", "600 a,|,g,g,|\n950 |\n1200 o,a,|\n", "v1.t.c1500.txt:2: does not match"),
        # mismatched lines and tokens
        ("v1.t.c1500.txt", "600 U0,|,U1,C2,|\n900 |\n", "v1.t.c1500.txt: 2 lines, but"),
        ("v1.t.c1500.txt", "600 U0,|,U1,C2,|\n900 |\n1200 U3,|,C0\n", "v1.t.c1500.txt:3: batch marks `|` differ"),
        ("v1.t.c1500.txt", "600 U0,|,U1,|\n900 |\n1200 U3,C0,|\n", "v1.t.c1500.txt:1: does not match"),
        ("v1.t.c1500.txt", "600 U0,|,U1,X2,|\n900 |\n1200 U3,C0,|\n", "v1.t.c1500.txt:1: bad duration token 'X2'"),
        ("v1.t.c1500.txt", "600 U0,|,U1,U4,|\n900 |\n1200 U3,C0,|\n", "v1.interval_map.txt (0..3)"),
        # flavour maps with inf / nan / 0 / huge sizes, duplicates, bad names
        ("flav_map.txt", "1,inf a\n", "flav_map.txt:1: memory must be from 1/1024 (1 MiB) to 2147483648 GB (got inf)"),
        ("flav_map.txt", "1,nan a\n", "flav_map.txt:1: memory must be from 1/1024 (1 MiB) to 2147483648 GB (got nan)"),
        ("flav_map.txt", "1,0 a\n", "flav_map.txt:1: memory must be from 1/1024 (1 MiB) to 2147483648 GB (got 0)"),
        ("flav_map.txt", "0,1 a\n", "flav_map.txt:1: vCPUs must be an integer from 1 to 2147483647 (got 0)"),
        ("flav_map.txt", "1e12,1 a\n", "flav_map.txt:1: vCPUs must be an integer from 1 to 2147483647 (got 1e12)"),
        ("flav_map.txt", "1,0.75 a\n2,4 a\n", "flav_map.txt:2: flavour 'a' is already defined on line 1"),
        ("flav_map.txt", "1,0.75 |\n", "flav_map.txt:1: a flavour name must not be `|`"),
        ("flav_map.txt", "1,0.75,3 a\n", "flav_map.txt:1: expected `<vcpus>,<memory GB> <letter>`"),
        ("flav_map.txt", "1,0.75 g\n2,3.5 o\n", "v1.t.txt:1: unknown flavour 'a' (not in "),
        # interval maps with reversed, non-finite, gapped or uneven bounds
        ("v1.interval_map.txt", "300 0\n0 1\n", "v1.interval_map.txt:2: durations must increase (got 0 after 300)"),
        ("v1.interval_map.txt", "0 0\ninf 1\n", "v1.interval_map.txt:2: expected `<duration_s> <bin>`"),
        ("v1.interval_map.txt", "0 0\n-300 1\n", "v1.interval_map.txt:2: expected `<duration_s> <bin>`"),
        ("v1.interval_map.txt", "0 0\n1e400 1\n", "v1.interval_map.txt:2: expected `<duration_s> <bin>`"),
        ("v1.interval_map.txt", "0 1\n", "v1.interval_map.txt:1: bins must run 0, 1, 2, ... without gaps"),
        ("v1.interval_map.txt", "0 0\n300 2\n", "v1.interval_map.txt:2: bins must run 0, 1, 2, ... without gaps"),
        ("v1.interval_map.txt", "0 0\n300 1\n0 1\n", "v1.interval_map.txt:3: durations must increase"),
        ("v1.interval_map.txt", "0 0\n300 1\n900 2\n", "v1.interval_map.txt:3: durations must be evenly spaced"),
        ("v1.interval_map.txt", "0 0\n" + "9" * 30 + " 1\n", "v1.interval_map.txt:2: duration must be at most"),
    ],
)
def test_bad_slice_file_names_file_and_line(tmp_path: Path, file: str, content: str | bytes, message: str) -> None:
    """Each broken file of a slice set gives one WorkloadError line naming it (and the line), no warning."""
    trace = _write_slices(tmp_path, **{file.replace(".", "_"): content})
    with pytest.raises(WorkloadError) as info:
        _read(read_azure_v1_slices, trace)
    text = str(info.value)
    assert "\n" not in text and str(tmp_path / file) in text and message in text, text


def test_censoring_before_a_line_and_missing_companions(tmp_path: Path) -> None:
    """A line after the censoring time in the name, a missing or doubled duration file, a missing map and
    a directory standing in for a companion are each a WorkloadError naming the file."""
    trace = _write_slices(tmp_path)
    (tmp_path / "v1.t.c1500.txt").rename(tmp_path / "v1.t.c900.txt")
    with pytest.raises(WorkloadError, match=re.escape(f"{tmp_path / 'v1.t.c900.txt'}:3: time 1200 is after")):
        _read(read_azure_v1_slices, trace)
    (tmp_path / "v1.t.c1500.txt").write_text(SLICES["v1.t.c1500.txt"])
    with pytest.raises(WorkloadError, match=re.escape(f"{trace}: expected exactly one duration file")):
        _read(read_azure_v1_slices, trace)
    (tmp_path / "v1.t.c900.txt").unlink()
    (tmp_path / "v1.t.c1500.txt").unlink()
    (tmp_path / "v1.t.c1500.txt").mkdir()
    with pytest.raises(WorkloadError, match=re.escape(f"{trace}: expected exactly one duration file")):
        _read(read_azure_v1_slices, trace)
    (tmp_path / "v1.t.c1500.txt").rmdir()
    for name in ("flav_map.txt", "v1.interval_map.txt"):
        _write_slices(tmp_path)
        (tmp_path / name).unlink()
        with pytest.raises(WorkloadError, match=re.escape(f"{trace}: map `{name}` not found")):
            _read(read_azure_v1_slices, trace)
    _write_slices(tmp_path)
    odd = tmp_path / "v1[*.txt"
    odd.write_text(SLICES["v1.t.txt"])
    with pytest.raises(WorkloadError, match=re.escape(f"{odd}: expected exactly one duration file")):
        _read(read_azure_v1_slices, odd)


# --- fuzz ----------------------------------------------------------------------------------------------

HOSTILE_NUMBERS = [
    "-0", "-1", "2.5", "1e12", "1E11", "1e400", "-1e400", "1e-400", "inf", "-inf", "nan", "NaN", "Infinity",
    "2147483647", "2147483648", "100000000000", "100000000001", "0.0001", "", " ", "x", "1_0", " 5", "0x10",
    "9" * 40, '"1,2"', "\x00", "\u00e9",
]  # fmt: skip
hostile_numbers = (
    st.sampled_from(HOSTILE_NUMBERS) | st.integers(-(2**70), 2**70).map(str) | st.floats().map(repr)
)  # fmt: skip


@st.composite
def vm_row(draw: st.DrawFn) -> str:
    """A valid row, often with one field (used or not) made hostile, or a stray line."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(["", "vmid,x", "a,b", '"', "\x00", "\ufeff", ",,,,,,,,,,,"]))
    c = draw(st.integers(0, 10**6))
    fields = ["id", "s", "dep", str(c), str(c + draw(st.integers(0, 10**6))), "1", "2", "3", "cat"]
    fields += [draw(st.sampled_from(["1", "2", "4", "8"])), draw(st.sampled_from(["0.75", "1.75", "3.5", "56"]))]
    if draw(st.booleans()):
        fields[draw(st.integers(0, 10))] = draw(hostile_numbers)
    return ",".join(fields)


@st.composite
def vmtable_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, or CSV rows (plain or gzip, mostly UTF-8) with hostile fields and line endings."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=300))
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = ending.join(draw(st.lists(vm_row(), min_size=1, max_size=6)))
    content = text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16"])))
    return gzip.compress(content) if draw(st.booleans()) else content


@FUZZ
@given(content=vmtable_bytes())
def test_any_vmtable_bytes_give_arrivals_or_a_named_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vmtable.csv"
    path.write_bytes(content)
    _arrivals_or_refusal(read_azure_vmtable, path, path)


SLICE_PIECES = [
    "600", "900", "1200", "1500", "300", "0", "-300", "a", "g", "o", "z", "|", ",", " ", "U0", "U3", "U4", "C0",
    "C2", "C99", "X", "1,0.75", "8,56", "0,1", "inf", "nan", "1e400", "\x00", "\t", "\r", "\u00e9", "9" * 25,
]  # fmt: skip
pieces = st.sampled_from(SLICE_PIECES)
slice_lines = st.lists(pieces, max_size=8).map("".join)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """Random bytes, or the valid text with lines replaced, inserted or dropped, or a word of a line changed."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=200))
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines)))
        op = draw(st.sampled_from(["replace", "insert", "drop", "word", "word"]))
        if op == "insert" or at == len(lines):
            lines.insert(at, draw(slice_lines))
        elif op == "replace":
            lines[at] = draw(slice_lines)
        elif op == "drop":
            del lines[at]
        else:
            words = re.split(r"([ ,])", lines[at])
            words[draw(st.integers(0, len(words) - 1))] = draw(pieces)
            lines[at] = "".join(words)
    return "\n".join(lines).encode()


@pytest.mark.parametrize("file", list(SLICES))
@FUZZ
@given(data=st.data())
def test_any_slice_companion_bytes_give_arrivals_or_a_named_error(tmp_path: Path, file: str, data) -> None:
    """Each file of the set in turn holds arbitrary bytes or a mangled copy while the others stay valid."""
    content = data.draw(mutated(SLICES[file]))
    trace = _write_slices(tmp_path, **{file.replace(".", "_"): content})
    _arrivals_or_refusal(read_azure_v1_slices, trace, tmp_path / file)
