"""`--set KEY=VALUE` overrides, applied to the raw scenario data before validation.

KEY is a dotted path with list indices, `world.regions[0].zones[1].datacenters[0].servers`;
keys that hold dots may be quoted, `instance_types["m3.large"].price_per_hour`, or written
plainly when the dotted name exists (`instance_types.m3.large.price_per_hour`). VALUE is
parsed as YAML, so it is typed and validated like the file. A path that cannot be
followed is a ScenarioError naming `--set <expr>`; keys a `--set` wrote are reported
against it instead of a file line. `apply_values` does the same for Python values
(`cloudtwin.load(..., set=...)`, `Scenario.with_`), with the same checks and messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import Any

import yaml

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.problems import KeyPath, SourceMap, format_path
from cloudtwin.scenario.yamlsource import MAX_DEPTH, MAX_NODES, parse_value

_NAME_STOP = set(".[]=")


@dataclass(frozen=True)
class _Key:
    """One step of a path: a mapping key (`plain` when written unquoted) or a list index."""

    key: str | int
    plain: bool = False


def apply_overrides(data: dict[str, Any], exprs: Sequence[str], source: SourceMap) -> dict[str, Any]:
    """`data` with every `--set` expression applied in order; all bad expressions reported at once."""
    return _apply_all(data, [(expr, partial(_parse_expr, expr)) for expr in exprs], source)


def apply_values(data: dict[str, Any], changes: Mapping[str, Any], source: SourceMap) -> dict[str, Any]:
    """`data` with each dotted key set to its Python value, exactly as `--set KEY=VALUE` would (the Python API).

    Values are plain data (numbers, strings, booleans, None, lists, mappings; tuples and paths are taken as
    lists and strings); problems name `--set KEY=VALUE` with the value written as YAML, like the command line.
    """
    items = [(f"{key}={value_yaml(value)}", partial(_parse_change, key, value)) for key, value in changes.items()]
    return _apply_all(data, items, source)


def value_yaml(value: Any) -> str:
    """`value` as a one-line YAML flow value (`2`, `[1, 2]`, `{a: 1}`), as it would be written after `--set K=`."""
    try:
        text = yaml.safe_dump(plain_value(value), default_flow_style=True, width=1 << 30, allow_unicode=True)
    except (ScenarioError, yaml.YAMLError):
        return repr(value)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def plain_value(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """`value` as the plain data YAML would give (tuples as lists, paths as strings, numpy scalars as numbers)."""
    budget = [MAX_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ScenarioError(f"the value is more than {MAX_NODES:,} items or {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):  # a numpy scalar
        return plain_value(value.item(), depth, budget)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = plain_value(k, depth + 1, budget)
            if isinstance(key, (list, dict)):
                raise ScenarioError(f"a mapping key must be a plain word or number (got {k!r})")
            out[key] = plain_value(v, depth + 1, budget)
        return out
    if isinstance(value, (list, tuple)):
        return [plain_value(v, depth + 1, budget) for v in value]
    raise ScenarioError(
        f"`{type(value).__name__}` is not a scenario value (numbers, strings, booleans, None, lists and mappings are)"
    )


def _apply_all(
    data: dict[str, Any], items: Sequence[tuple[str, Callable[[], tuple[list[_Key], Any]]]], source: SourceMap
) -> dict[str, Any]:
    """Apply each (expression, its parsed path and value) in order; all bad ones reported at once."""
    errors: list[str] = []
    for expr, parsed in items:
        try:
            steps, value = parsed()
            path = _assign(data, steps, value, expr, source)
        except ScenarioError as exc:
            errors.extend(f"--set {expr}: {line}" for line in exc.problems)
            continue
        source.forget(path)
        source.overrides[path] = expr
    if errors:
        raise ScenarioError(problems=errors)
    return data


def _parse_expr(expr: str) -> tuple[list[_Key], Any]:
    """The path steps and the YAML-parsed value of `KEY=VALUE`."""
    steps, value_text = _parse(expr)
    return steps, parse_value(value_text)


def _parse_change(key: object, value: Any) -> tuple[list[_Key], Any]:
    """The path steps of a dotted key and its value as plain data."""
    return _parse_key(key), plain_value(value)


def _parse_key(key: object) -> list[_Key]:
    """The path steps of a dotted key given alone (the Python API's `set=` and `with_`)."""
    if not isinstance(key, str):
        raise ScenarioError(f"a key must be a string like `horizon.days` (got {key!r})")
    steps, rest = _parse(key + "=")
    if rest:
        raise ScenarioError("malformed key: it holds `=`")
    return steps


def _parse(expr: str) -> tuple[list[_Key], str]:
    """Split `path=value` into path steps and the value text."""
    steps: list[_Key] = []
    i, n = 0, len(expr)
    expect_name = True
    while i < n and expr[i] != "=":
        ch = expr[i]
        if ch == "[":
            close = expr.find("]", i)
            inner = expr[i + 1 : close] if close > 0 else ""
            if close < 0:
                raise ScenarioError("malformed key: `[` without `]`")
            if inner.isdigit():
                steps.append(_Key(int(inner)))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
                steps.append(_Key(inner[1:-1]))
            else:
                raise ScenarioError(
                    f'malformed key: `[{inner}]` must be a list index like [0] or a quoted key like ["m3.large"]'
                )
            i = close + 1
            expect_name = False
        elif ch == ".":
            if expect_name:
                raise ScenarioError("malformed key: a `.` with no key before it")
            i += 1
            expect_name = True
        else:
            if not expect_name:
                raise ScenarioError(f"malformed key: expected `.` or `[` before `{expr[i:]}`")
            start = i
            while i < n and expr[i] not in _NAME_STOP:
                i += 1
            name = expr[start:i].strip()
            if not name:
                raise ScenarioError("malformed key: an empty key")
            steps.append(_Key(name, plain=True))
            expect_name = False
    if i >= n:
        raise ScenarioError("expected KEY=VALUE (no `=`)")
    if not steps:
        raise ScenarioError("expected KEY=VALUE (no key before `=`)")
    if expect_name:
        raise ScenarioError("malformed key: it ends with `.`")
    return steps, expr[i + 1 :]


def _assign(data: dict[str, Any], steps: list[_Key], value: Any, expr: str, source: SourceMap) -> KeyPath:
    """Write `value` at `steps` in `data`, creating missing mappings; the key path actually written."""
    node: Any = data
    path: KeyPath = ()
    i = 0
    while i < len(steps):
        step = steps[i]
        if isinstance(step.key, int):
            if not isinstance(node, list):
                raise ScenarioError(
                    f"`{format_path(path)}` is {_kind(node)}, so [{step.key}] cannot index it{_hint(node)}"
                )
            if step.key >= len(node):
                raise ScenarioError(
                    f"index [{step.key}] is out of range: `{format_path(path)}` has {len(node)} item(s)"
                )
            key: str | int = step.key
        else:
            if not isinstance(node, dict):
                raise ScenarioError(f"`{format_path(path)}` is {_kind(node)}, so it has no key `{step.key}`")
            key, used = _dotted_key(node, steps, i)
            i += used - 1
        path = path + (key,)
        i += 1
        if i == len(steps):
            node[key] = value
            return path
        child = node.get(key) if isinstance(node, dict) else node[key]
        if child is None:
            if isinstance(steps[i].key, int):
                raise ScenarioError(f"`{format_path(path)}` is not set, so [{steps[i].key}] cannot index it")
            child = node[key] = {}
            source.forget(path)
            source.overrides[path] = expr
        node = child
    return path


def _dotted_key(node: dict[Any, Any], steps: list[_Key], i: int) -> tuple[str, int]:
    """The longest run of plain steps from `i` that, joined by dots, is a key of `node` (else one step)."""
    run = 1
    while i + run < len(steps) and steps[i + run].plain:
        run += 1
    for length in range(run, 1, -1):
        joined = ".".join(str(s.key) for s in steps[i : i + length])
        if all(steps[i + k].plain for k in range(length)) and joined in node:
            return joined, length
    return str(steps[i].key), 1


def _kind(node: Any) -> str:
    if isinstance(node, dict):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    return f"the scalar {node!r}"


def _hint(node: Any) -> str:
    if isinstance(node, dict) and "count" in node:
        return " (it is the {count, servers, server_type} shorthand; set its `servers` or `count`, or give a list)"
    return ""
