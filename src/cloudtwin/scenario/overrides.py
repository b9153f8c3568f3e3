"""`--set KEY=VALUE` overrides, applied to the raw scenario data before validation.

KEY is a dotted path with list indices, `world.regions[0].zones[1].datacenters[0].servers`;
keys that hold dots may be quoted, `instance_types["m3.large"].price_per_hour`, or written
plainly when the dotted name exists (`instance_types.m3.large.price_per_hour`). VALUE is
parsed as YAML, so it is typed and validated like the file. A path that cannot be
followed is a ScenarioError naming `--set <expr>`; keys a `--set` wrote are reported
against it instead of a file line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.problems import KeyPath, SourceMap, format_path
from cloudtwin.scenario.yamlsource import parse_value

_NAME_STOP = set(".[]=")


@dataclass(frozen=True)
class _Key:
    """One step of a path: a mapping key (`plain` when written unquoted) or a list index."""

    key: str | int
    plain: bool = False


def apply_overrides(data: dict[str, Any], exprs: Sequence[str], source: SourceMap) -> dict[str, Any]:
    """`data` with every `--set` expression applied in order; all bad expressions reported at once."""
    errors: list[str] = []
    for expr in exprs:
        try:
            steps, value_text = _parse(expr)
            value = parse_value(value_text)
            path = _assign(data, steps, value, expr, source)
        except ScenarioError as exc:
            errors.extend(f"--set {expr}: {line}" for line in exc.problems)
            continue
        source.forget(path)
        source.overrides[path] = expr
    if errors:
        raise ScenarioError(problems=errors)
    return data


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
                    f"malformed key: `[{inner}]` must be a list index like [0] or a quoted key like [\"m3.large\"]"
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
                raise ScenarioError(f"`{format_path(path)}` is {_kind(node)}, so [{step.key}] cannot index it{_hint(node)}")
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
        child = node[key] if (isinstance(node, list) or key in node) else None
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
