"""Validation problems are reported at the user's key path and line, all at once, one branch per union."""

from __future__ import annotations

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import parse_scenario


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return info.value.problems


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_wrong_value_line_and_path(minimal_text: str) -> None:
    """A negative server count is reported as `s.yaml:18: world.regions[0].zones[1].datacenters[0].servers: ...`."""
    text = _edit(minimal_text, "servers: 90", "servers: -90")
    assert _problems(text) == [
        "s.yaml:18: world.regions[0].zones[1].datacenters[0].servers: input should be greater than 0 (got -90)"
    ]


def test_unknown_key_with_suggestion(minimal_text: str) -> None:
    """An unknown key names itself, its line and the closest valid key (difflib)."""
    text = _edit(minimal_text, "    lifetime:", "    lifetme:")
    lines = _problems(text)
    assert "s.yaml:23: workload[0].lifetme: unknown key `lifetme`; did you mean `lifetime`?" in lines


def test_unknown_key_without_close_match_lists_valid_keys(minimal_text: str) -> None:
    """With no close match the valid keys of that mapping are listed."""
    text = _edit(minimal_text, "seed: 3\n", "seed: 3\nzzz: 1\n")
    (line,) = _problems(text)
    assert line.startswith("s.yaml:3: zzz: unknown key `zzz` (valid keys: ") and "world" in line


def test_every_problem_at_once(minimal_text: str) -> None:
    """Problems in different sections (type, range, unknown key, reference) come together, in file order."""
    text = _edit(minimal_text, "seed: 3", "seed: -1")
    text = _edit(text, "lat: 45.6", "lat: 95.6")
    text = _edit(text, "server_type: box, servers_per_rack", "server_type: boxx, servers_per_rack")
    text = _edit(text, "per_hour: 20", "per_hour: twenty")
    lines = _problems(text)
    assert [line.split(": ")[0] for line in lines] == ["s.yaml:2", "s.yaml:11", "s.yaml:18", "s.yaml:22"]
    assert "world.regions[0].location.lat" in lines[1] and "unknown server type `boxx`; did you mean `box`?" in lines[2]


def test_list_branch_of_datacenters(minimal_text: str) -> None:
    """`datacenters` given as a list reports only the list's errors, not the shorthand's."""
    text = _edit(minimal_text, "{name: west-a1, servers: 100,", "{name: west-a1, servers: many,")
    (line,) = _problems(text)
    assert line.startswith("s.yaml:15: world.regions[0].zones[0].datacenters[0].servers: ")
    assert "DatacenterGroup" not in line and "list[" not in line


def test_shorthand_branch_of_datacenters(minimal_text: str) -> None:
    """`datacenters` given as a mapping reports the shorthand's errors only: `countt` with a did-you-mean."""
    text = _edit(
        minimal_text,
        "            - {name: west-a1, servers: 100, server_type: box}",
        "            {countt: 2, servers: 100, server_type: box}",
    )
    lines = _problems(text)
    assert lines == [
        "s.yaml:14: world.regions[0].zones[0].datacenters.count: required key is missing",
        "s.yaml:15: world.regions[0].zones[0].datacenters.countt: unknown key `countt`; did you mean `count`?",
    ]


def test_trace_branch_of_arrivals(minimal_text: str) -> None:
    """Arrivals with a `trace` key report the trace branch (missing `format`), not Poisson's `per_hour`."""
    text = _edit(minimal_text, "arrivals: {per_hour: 20}", "arrivals: {trace: /dev/null}")
    lines = _problems(text)
    assert "s.yaml:22: workload[0].arrivals.format: required key is missing" in lines
    assert not any("per_hour" in line for line in lines)


def test_unknown_distribution(minimal_text: str) -> None:
    """An unknown lifetime distribution names the `distribution` key and the nearest known one."""
    text = _edit(minimal_text, "distribution: exponential", "distribution: exponentail")
    (line,) = _problems(text)
    assert line.startswith(
        "s.yaml:23: workload[0].lifetime.distribution: unknown distribution `exponentail`; did you mean `exponential`?"
    )


def test_model_rule_reported_at_its_item(minimal_text: str) -> None:
    """A rule over a whole workload (instance shares all zero) is reported at `workload[0]`, its line."""
    text = _edit(minimal_text, "{small: 0.75, large: 0.25}", "{small: 0, large: 0}")
    assert _problems(text) == ["s.yaml:20: workload[0]: instance shares must not all be zero"]


def test_missing_required_sections() -> None:
    """A mapping lacking the required keys names each of them."""
    lines = _problems("name: x\n")
    assert lines == ["s.yaml:1: server_types: required key is missing", "s.yaml:1: world: required key is missing"]


def test_key_with_a_dot_is_quoted_in_the_path(minimal_text: str) -> None:
    """A key holding a dot appears quoted in the path, `instance_types["m3.large"].vcpus`, as `--set` accepts it."""
    text = _edit(minimal_text, "  small: {vcpus: 2,", "  m3.large: {vcpus: 0,").replace("{small:", "{m3.large:")
    assert _problems(text) == ['s.yaml:6: instance_types["m3.large"].vcpus: input should be greater than 0 (got 0)']


def test_unknown_choice_suggests_the_nearest(minimal_text: str) -> None:
    """A value outside a fixed set of choices lists them and names the nearest (`best_fit` -> `best-fit`)."""
    (line,) = _problems(minimal_text + "placement: {policy: best_fit}\n")
    assert line == (
        "s.yaml:25: placement.policy: `best_fit` is not one of: first-fit, best-fit, worst-fit, random, power-of-two; "
        "did you mean `best-fit`?"
    )


def test_unknown_key_in_a_union_branch(minimal_text: str) -> None:
    """An unknown key inside the chosen union branch is matched against that branch's keys (`tracee`)."""
    text = _edit(minimal_text, "arrivals: {per_hour: 20}", "arrivals: {tracee: t.csv, format: azure-vmtable}")
    lines = _problems(text)
    assert "s.yaml:22: workload[0].arrivals.tracee: unknown key `tracee`; did you mean `trace`?" in lines
