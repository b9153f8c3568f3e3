"""Any YAML document whatsoever gives a Scenario or a CloudtwinError, never another exception."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudtwin.errors import CloudtwinError
from cloudtwin.scenario import Scenario, parse_scenario, scenario_to_yaml

# minimal_text is a constant string, so sharing the function-scoped fixture across examples is safe.
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "lognormal",
            "exponential",
            "empirical",
            "box",
            "small",
            "west-a",
            "west-a1/rack1",
            "west-a1/servers[0:5]",
            "[1, 2]",
            "count",
            "servers",
            "trace",
            "default",
        ]
    )
)
data_trees = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10) | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


def _loads_or_refuses(text: str) -> None:
    try:
        scenario = parse_scenario(text, source="fuzz.yaml")
    except CloudtwinError as exc:
        assert exc.problems and all(isinstance(line, str) and line for line in exc.problems)
        return
    assert isinstance(scenario, Scenario)
    assert parse_scenario(scenario_to_yaml(scenario)) == scenario


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    """Arbitrary text: a Scenario or a CloudtwinError with at least one non-empty line."""
    _loads_or_refuses(text)


@FUZZ
@given(data_trees)
def test_arbitrary_yaml_data(tree: Any) -> None:
    """Arbitrary YAML-able nested data, dumped to text: a Scenario or a CloudtwinError."""
    _loads_or_refuses(yaml.safe_dump(tree))


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, path + (index,))
    return found


@FUZZ
@given(st.data())
def test_mutated_valid_scenario(minimal_text: str, data: st.DataObject) -> None:
    """A valid scenario with one node replaced by arbitrary data, or deleted: a Scenario or a CloudtwinError."""
    tree = yaml.safe_load(minimal_text)
    path = data.draw(st.sampled_from(_paths(tree)[1:]))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(data_trees)
    _loads_or_refuses(yaml.safe_dump(tree))
