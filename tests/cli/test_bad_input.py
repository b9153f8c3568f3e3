"""Bad input through the real command line: one clear line per problem, exit code 2, never a traceback.

Each case gives the zone-failover example scenario one mistake (or replaces the file) and runs
`cloudtwin validate`; the message must name the key path (and, where given, the line).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cloudtwin.cli.main import main

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "scenarios"
BASE = SHARED / "zone-failover.yaml"
DC0 = "world.regions[0].zones[0].datacenters[0]"

# (id, (old, new) edit of the base file or bytes replacing it or None, extra arguments, expected text)
CASES = [
    ("yaml-syntax", ("  days: 3\n", "  days: [3\n"), [], ":11: YAML syntax error"),
    ("empty-file", b"", [], "empty"),
    ("binary-garbage", bytes(range(256)) * 4, [], ":1: binary data"),
    ("invalid-utf8", b"name: x\ndescription: \xff\xfe\n", [], ":2: not valid UTF-8"),
    ("top-level-list", b"- 1\n- 2\n", [], "top level must be a mapping"),
    ("unknown-key", ("  days: 3\n", "  dayz: 3\n"), [], ":10: horizon.dayz: unknown key `dayz`; did you mean `days`?"),
    ("wrong-type", ("replicas: 6", "replicas: six"), [], ":40: services[0].replicas: "),
    (
        "negative-count",
        ("{name: east-a1, servers: 300", "{name: east-a1, servers: -300"),
        [],
        f":24: {DC0}.servers: input should be greater than 0 (got -300)",
    ),
    (
        "zero-count",
        ("{count: 2, servers: 300", "{count: 0, servers: 300"),
        [],
        ":27: world.regions[0].zones[1].datacenters.count: input should be greater than 0 (got 0)",
    ),
    (
        "range-reversed",
        ("servers: [250, 350]", "servers: [350, 250]"),
        [],
        ":29: world.regions[0].zones[2].datacenters.servers: ",
    ),
    (
        "duplicate-names",
        ("{name: east-a2,", "{name: east-a1,"),
        [],
        f":25: world.regions[0].zones[0].datacenters[1].name: name `east-a1` is already used by the datacenter at {DC0}.name",
    ),
    (
        "undefined-server-type",
        (
            "{name: east-a1, servers: 300, server_type: std-2014}",
            "{name: east-a1, servers: 300, server_type: std-2015}",
        ),
        [],
        f":24: {DC0}.server_type: unknown server type `std-2015`",
    ),
    (
        "undefined-instance-type",
        ("instance_type: m3.large", "instance_type: m3.huge"),
        [],
        ":39: services[0].instance_type: unknown instance type `m3.huge`",
    ),
    (
        "undefined-zone",
        ("zones: [east-a, east-b, east-c]        #", "zones: [east-a, east-d, east-c]        #"),
        [],
        ":35: workload[0].zones[1]: unknown zone `east-d`",
    ),
    ("negative-share", ("{m3.large: 0.6,", "{m3.large: -0.6,"), [], ':32: workload[0].instances["m3.large"]: '),
    (
        "all-zero-shares",
        ("{m3.large: 0.6, c3.2xlarge: 0.3, r3.4xlarge: 0.1}", "{m3.large: 0, c3.2xlarge: 0, r3.4xlarge: 0}"),
        [],
        ":31: workload[0]: instance shares must not all be zero",
    ),
    ("latitude-out-of-range", ("lat: 39.04", "lat: 139.04"), [], ":20: world.regions[0].location.lat: "),
    (
        "world-too-large",
        None,
        ["--set", f"{DC0}.servers=1000000000000"],
        f"--set {DC0}.servers=1000000000000: {DC0}.servers: the world needs an estimated",
    ),
    (
        "bad-set-path",
        None,
        ["--set", "world.regions[3].name=x"],
        "--set world.regions[3].name=x: index [3] is out of range",
    ),
    ("bad-set-syntax", None, ["--set", "horizon.days"], "--set horizon.days: expected KEY=VALUE"),
    ("bad-injection", ("{fail: east-a1,", "{fail: east-a1/rack99,"), [], ":47: failures.inject[0].fail: "),
]


@pytest.fixture
def base_text() -> str:
    if not BASE.is_file():
        pytest.skip(f"no example scenario at {BASE} (the ../shared folder is not beside this repo)")
    return BASE.read_text()


def _write(tmp_path: Path, base_text: str, content: tuple[str, str] | bytes | None) -> Path:
    path = tmp_path / "scenario.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is None:
        path.write_text(base_text)
    else:
        old, new = content
        assert base_text.count(old) == 1, old
        path.write_text(base_text.replace(old, new))
    return path


def _cli(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", "400")  # keep each problem on one line
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


@pytest.mark.parametrize(
    ("content", "extra", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_exits_2_with_the_key_path(
    tmp_path: Path,
    base_text: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: tuple[str, str] | bytes | None,
    extra: list[str],
    expected: str,
) -> None:
    """One mistake: exit code 2, a message naming the key path (and line) of the mistake, no traceback."""
    path = _write(tmp_path, base_text, content)
    code, out = _cli(["validate", str(path), *extra], capsys, monkeypatch)
    assert code == 2, out
    assert expected in out, out
    assert "Traceback" not in out and "internal error" not in out


def test_base_scenario_is_valid(
    tmp_path: Path, base_text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unedited base validates (exit 0), so each case above fails because of its one mistake."""
    path = _write(tmp_path, base_text, None)
    try:
        main(["validate", str(path)])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 0, capsys.readouterr().err


def test_missing_file_and_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing file and a directory given as the scenario each exit 2 naming the path."""
    for target, words in ((tmp_path / "absent.yaml", "no such file"), (tmp_path, "is a directory")):
        code, out = _cli(["validate", str(target)], capsys, monkeypatch)
        assert code == 2 and f"{target}: {words}" in out and "Traceback" not in out


def test_every_problem_is_one_line(
    tmp_path: Path, base_text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three mistakes in one file give three `error:` lines, in file order."""
    text = (
        base_text.replace("seed: 42", "seed: -42")
        .replace("lat: 39.04", "lat: 99")
        .replace("replicas: 6", "replicas: 0")
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    code, out = _cli(["validate", str(path)], capsys, monkeypatch)
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert code == 2 and len(lines) == 3, out
    assert [line.split(": ")[2] for line in lines] == ["seed", "world.regions[0].location.lat", "services[0].replicas"]


@pytest.mark.parametrize(("content", "words"), [(b"name: [\n", "YAML syntax error"), (b"\x00\x01", "binary data")])
def test_installed_command(tmp_path: Path, content: bytes, words: str) -> None:
    """As a separate process (`python -m cloudtwin.cli.main`), bad input exits 2 with no traceback on stderr."""
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "cloudtwin.cli.main", "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
