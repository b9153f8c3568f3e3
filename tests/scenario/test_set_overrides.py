"""`--set KEY=VALUE`: dotted paths with indices, YAML values, validated like the file, bad paths named."""

from __future__ import annotations

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import parse_scenario
from cloudtwin.scenario.model import LognormalLifetime


def _problems(text: str, sets: list[str]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="min.yaml", overrides=sets)
    return info.value.problems


def test_set_servers_by_path(minimal_text: str) -> None:
    """`world.regions[0].zones[1].datacenters[0].servers=500` sets that one datacenter's servers to the int 500."""
    s = parse_scenario(minimal_text, overrides=["world.regions[0].zones[1].datacenters[0].servers=500"])
    dc = s.world.regions[0].zones[1].datacenters[0]  # type: ignore[index]
    assert (dc.name, dc.servers) == ("west-b1", 500)
    assert s.world.regions[0].zones[0].datacenters[0].servers == 100  # type: ignore[index]


def test_set_replaces_a_whole_mapping(minimal_text: str) -> None:
    """A YAML mapping value replaces the whole mapping: the lifetime becomes lognormal(median 2 h, sigma 1)."""
    s = parse_scenario(
        minimal_text, overrides=["workload[0].lifetime={distribution: lognormal, median_hours: 2, sigma: 1}"]
    )
    assert s.workload[0].lifetime == LognormalLifetime(distribution="lognormal", median_hours=2.0, sigma=1.0)


def test_later_set_wins_and_new_mappings_are_created(minimal_text: str) -> None:
    """Overrides apply in order; a path through absent keys creates the mappings (`network.sriov` with no network)."""
    s = parse_scenario(minimal_text, overrides=["horizon.days=3", "horizon.days=7", "network.sriov=false"])
    assert s.horizon.days == 7.0 and s.network.sriov is False


def test_dotted_and_quoted_keys(minimal_text: str) -> None:
    """A key holding a dot can be quoted (`["m3.large"]`) or written plainly when that dotted key exists."""
    text = minimal_text.replace("small:", "m3.large:").replace("{small:", "{m3.large:")
    s = parse_scenario(
        text, overrides=['instance_types["m3.large"].vcpus=4', "instance_types.m3.large.price_per_hour=0.5"]
    )
    assert s.instance_types["m3.large"].vcpus == 4 and s.instance_types["m3.large"].price_per_hour == 0.5


def test_index_out_of_range(minimal_text: str) -> None:
    """An index past the end names the expression, the index and the list's length."""
    expr = "world.regions[0].zones[5].datacenters[0].servers=10"
    (line,) = _problems(minimal_text, [expr])
    assert line.startswith(f"--set {expr}: ") and "[5]" in line and "2 item" in line


def test_value_failing_validation_cites_set(minimal_text: str) -> None:
    """A value that fails validation is reported against `--set EXPR`, at the key path, with the value."""
    expr = "world.regions[0].zones[0].datacenters[0].servers=-4"
    (line,) = _problems(minimal_text, [expr])
    assert (
        line
        == f"--set {expr}: world.regions[0].zones[0].datacenters[0].servers: input should be greater than 0 (got -4)"
    )


def test_error_inside_a_replaced_mapping_cites_set(minimal_text: str) -> None:
    """An error under a mapping written by `--set` cites the `--set`, not the file line the mapping replaced."""
    expr = "workload[0].lifetime={distribution: lognormal, median_hours: 2, sigma: -1}"
    (line,) = _problems(minimal_text, [expr])
    assert line.startswith(f"--set {expr}: workload[0].lifetime.sigma: ")


def test_new_unknown_key_is_caught(minimal_text: str) -> None:
    """Setting a new key is allowed, and validation then rejects it as unknown, citing the `--set`."""
    (line,) = _problems(minimal_text, ["horizon.dayz=2"])
    assert line.startswith("--set horizon.dayz=2: horizon.dayz: unknown key `dayz`; did you mean `days`?")


def test_value_is_typed_as_yaml(minimal_text: str) -> None:
    """The value is YAML: `seed=abc` is a string and fails validation as one."""
    (line,) = _problems(minimal_text, ["seed=abc"])
    assert line.startswith("--set seed=abc: seed: ") and "(got 'abc')" in line


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("seed", "no `=`"),
        ("=5", "no key"),
        ("a..b=1", "malformed"),
        ("world.=1", "ends with"),
        ("world.regions[x]=1", "malformed"),
        ("world.regions[0=1", "without `]`"),
        ("name.first=1", "scalar"),
        ("world.regions.name=x", "a list"),
        ("world[0]=1", "a mapping"),
        ("failures[0].fail=x", "not set"),
        ("seed=[1, 2", "not a YAML value"),
    ],
)
def test_bad_set_expressions(minimal_text: str, expr: str, words: str) -> None:
    """A path that cannot be followed, or a malformed expression, is one problem naming `--set EXPR`."""
    (line,) = _problems(minimal_text, [expr])
    assert line.startswith(f"--set {expr}: ") and words in line


def test_every_bad_expression_reported_at_once(minimal_text: str) -> None:
    """Several bad expressions give one problem each, together."""
    lines = _problems(minimal_text, ["seed", "world.regions[9].name=x", "name.x=1"])
    assert [line.split(":")[0] for line in lines] == ["--set seed", "--set world.regions[9].name=x", "--set name.x=1"]
