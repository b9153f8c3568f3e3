"""Reading scenario files: every kind of unreadable or hostile input is one clear ScenarioError, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import load_scenario, parse_scenario
from cloudtwin.scenario.yamlsource import MAX_FILE_BYTES, MAX_NODES


def _error_of_file(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def _error_of_text(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"# only a comment\n\n", "empty"),
        (b"name: x\n\x00\x01\x02\x03", ":2: binary data"),
        (b"name: x\ndescription: caf\xe9\n", ":2: not valid UTF-8"),
        (b"name: x\nworld: [\n", "YAML syntax error"),
        (b"- a\n- b\n", ":1: the top level must be a mapping"),
        (b"just a string\n", "the top level must be a mapping"),
        (b"a: 1\n---\nb: 2\n", "YAML syntax error"),
        ("name: x\n".encode("utf-16"), ":1: UTF-16 text"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, expected: str) -> None:
    """Empty, binary, UTF-16, non-UTF-8, malformed or non-mapping files give one problem naming the file (and line)."""
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    (line,) = _error_of_file(path)
    assert line.startswith(str(path)) and expected in line


def test_missing_file_and_directory(tmp_path: Path) -> None:
    """A missing file and a directory are each one problem naming the path."""
    assert _error_of_file(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    assert _error_of_file(tmp_path) == [f"{tmp_path}: is a directory, not a scenario file"]


def test_special_files_are_not_read() -> None:
    """A device such as /dev/zero (endless) is refused as not a regular file, without reading it."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    assert _error_of_file(Path("/dev/zero")) == ["/dev/zero: not a regular file"]


def test_too_large_file(tmp_path: Path) -> None:
    """A file over MAX_FILE_BYTES is refused before it is parsed."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (line,) = _error_of_file(path)
    assert "more than a scenario file may hold" in line


def test_syntax_error_line(minimal_text: str) -> None:
    """A YAML syntax error gives its line: the flow mapping left open on line 6 is found unclosed on line 7."""
    broken = minimal_text.replace(
        "small: {vcpus: 2, memory_gib: 8, price_per_hour: 0.1}", "small: {vcpus: 2, memory_gib: 8"
    )
    (line,) = _error_of_text(broken)
    assert line.startswith("s.yaml:7: YAML syntax error")


def test_alias_bomb_is_refused() -> None:
    """A billion-laughs document (10**7 values from 7 lines of aliases) stops at MAX_NODES, quickly."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 7):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    (line,) = _error_of_text("\n".join(lines) + "\n")
    assert f"more than {MAX_NODES:,} values" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a [*a]\n", "nested more than"),
        ("[" * 2000, "nested too deeply"),
        ("x: !!python/object:os.system {}\n", "tag"),
        ("x: !!binary aGVsbG8=\n", "tag"),
        ("x: !custom 3\n", "tag"),
        ("x: !!int abc\n", "not a valid `!!int`"),
        ("? [a, b]\n: 1\n", "a key must be"),
        ("x: \x01\n", "U+0001"),
    ],
)
def test_hostile_yaml(text: str, expected: str) -> None:
    """Recursive aliases, deep nesting, non-safe tags, bad explicit scalars and control characters are one problem."""
    lines = _error_of_text(text)
    assert any(expected in line for line in lines), lines


def test_duplicate_keys_are_reported_with_their_line(minimal_text: str) -> None:
    """YAML forbids duplicate keys; PyYAML would keep the last silently, cloudtwin reports the second (line 3)."""
    text = minimal_text.replace("seed: 3\n", "seed: 3\nseed: 4\n")
    assert _error_of_text(text) == ["s.yaml:3: seed: key `seed` appears twice in one mapping"]


def test_anchors_and_merge_keys_work(minimal_text: str) -> None:
    """Anchors, aliases and `<<` merges are plain YAML and load (a merged key is overridden by an explicit one)."""
    text = minimal_text.replace(
        "            - {name: west-a1, servers: 100, server_type: box}",
        "            - &dc {name: west-a1, servers: 100, server_type: box}",
    ).replace(
        "            - {name: west-b1, servers: 90, server_type: box, servers_per_rack: 30}",
        "            - {<<: *dc, name: west-b1, servers: 90}",
    )
    s = parse_scenario(text)
    b1 = s.world.regions[0].zones[1].datacenters[0]  # type: ignore[index]
    assert (b1.name, b1.servers, b1.server_type, b1.servers_per_rack) == ("west-b1", 90, "box", None)


def test_non_finite_numbers_are_refused(minimal_text: str) -> None:
    """`.inf` and `.nan` are not valid rates: a problem at the key path."""
    lines = _error_of_text(minimal_text.replace("per_hour: 20", "per_hour: .inf"))
    assert lines[0].startswith("s.yaml:22: workload[0].arrivals.per_hour: ")
