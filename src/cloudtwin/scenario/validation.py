"""Pydantic's validation errors turned into problems at the user's key paths.

Pydantic's error locations hold the name of each union branch it tried
(`list[Datacenter]`, `DatacenterGroup`, `PoissonArrivals`, `lognormal`, ...).
Those names are dropped from the key path, and at each union only the branch
that fits the given value's shape (a list, or a mapping whose keys match the
model's fields) is reported, not a pile of errors from every branch.
"""

from __future__ import annotations

import re
import types
from collections import defaultdict
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from cloudtwin.scenario import model
from cloudtwin.scenario.problems import KeyPath, Problem, did_you_mean

_MODELS: dict[str, type[BaseModel]] = {}


def _register(cls: type[BaseModel]) -> None:
    for sub in cls.__subclasses__():
        _MODELS[sub.__name__] = sub
        _register(sub)


_register(model.Frozen)


def validation_problems(exc: ValidationError, data: Any) -> list[Problem]:
    """One problem per relevant pydantic error, at the key path of the raw data."""
    walked = [_walk(err, data) for err in exc.errors(include_url=False)]
    chosen = _choose_branches(walked, data)
    problems = []
    for path, choices, err in walked:
        if all(chosen.get(prefix, tag) == tag for prefix, tag in choices):
            problems.append(_problem(path, err, data, choices))
    return problems


def model_at(path: KeyPath, data: Any) -> type[BaseModel] | None:
    """The scenario model class that describes the mapping at `path` of `data`, if any."""
    tp: Any = model.Scenario
    node = data
    for key in path:
        tp = _resolve(tp, node)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) in (list, tuple):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
        node = _child(node, key)
    tp = _resolve(tp, node)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _walk(err: Any, data: Any) -> tuple[KeyPath, list[tuple[KeyPath, str]], Any]:
    """Split an error location into the key path in `data` and the union branches passed on the way."""
    path: list[Any] = []
    choices: list[tuple[KeyPath, str]] = []
    node = data
    loc = err["loc"]
    for j, part in enumerate(loc):
        if _has(node, part):
            path.append(part)
            node = node[part]
        elif j == len(loc) - 1 and err["type"] == "missing":
            path.append(part)
        else:
            choices.append((tuple(path), str(part)))
    return tuple(path), choices, err


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        try:
            return part in node
        except TypeError:
            return False
    if isinstance(node, list):
        return isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node)
    return False


def _child(node: Any, key: Any) -> Any:
    return node[key] if _has(node, key) else None


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = _child(data, key)
    return data


def _choose_branches(walked: list[tuple[KeyPath, list[tuple[KeyPath, str]], Any]], data: Any) -> dict[KeyPath, str]:
    """At each union that failed, the one branch whose errors are worth reporting."""
    counts: dict[KeyPath, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, choices, _ in walked:
        for prefix, tag in choices:
            counts[prefix][tag] += 1
    chosen = {}
    for prefix, tags in counts.items():
        if len(tags) > 1:
            node = _get(data, prefix)
            chosen[prefix] = max(tags, key=lambda tag: (_tag_fit(tag, node), -tags[tag]))
    return chosen


def _tag_fit(tag: str, node: Any) -> float:
    """How well a union branch named `tag` fits the value's shape (higher is better)."""
    cls = _MODELS.get(tag)
    if cls is not None:
        return _model_fit(cls, node) if isinstance(node, dict) else -1.0
    if isinstance(node, dict):
        return 0.5 if tag.startswith("dict[") else -1.0
    if isinstance(node, list):
        return 1.0 if tag.startswith(("list[", "tuple[")) else -1.0
    return -1.0 if tag.startswith(("list[", "tuple[", "dict[")) else 1.0


def _model_fit(cls: type[BaseModel], node: dict[Any, Any]) -> float:
    """Keys in common with the model's fields, a strong bonus for a matching discriminator value."""
    fields = cls.model_fields
    score = 1.0 + sum(1 for key in node if key in fields) - 0.01 * sum(1 for key in node if key not in fields)
    for name, field in fields.items():
        if get_origin(field.annotation) is Literal and name in node and node[name] in get_args(field.annotation):
            score += 10
    return score


def _resolve(tp: Any, node: Any) -> Any:
    """Unwrap Annotated/Optional/unions to the member type that fits `node`."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [_resolve(m, node) for m in get_args(tp) if m is not type(None)]
            return max(members, key=lambda m: _type_fit(m, node), default=tp)
        return tp


def _type_fit(tp: Any, node: Any) -> float:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _model_fit(tp, node) if isinstance(node, dict) else -1.0
    origin = get_origin(tp)
    if isinstance(node, dict):
        return 0.5 if origin is dict else -1.0
    if isinstance(node, list):
        return 1.0 if origin in (list, tuple) else -1.0
    return -1.0 if origin in (list, tuple, dict) else 1.0


_QUOTED = re.compile(r"'([^']*)'")


def _problem(path: KeyPath, err: Any, data: Any, choices: list[tuple[KeyPath, str]]) -> Problem:
    """A problem with a message in cloudtwin's words for one pydantic error."""
    kind = err["type"]
    if kind == "extra_forbidden":
        branch = [_MODELS[tag] for prefix, tag in choices if prefix == path[:-1] and tag in _MODELS]
        parent = branch[-1] if branch else model_at(path[:-1], data)
        fields = list(parent.model_fields) if parent is not None else []
        return Problem(path, f"unknown key `{path[-1]}`" + did_you_mean(path[-1], fields, "valid keys"))
    if kind == "missing":
        return Problem(path, "required key is missing")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx", {})
        key = str(ctx.get("discriminator", "")).strip("'")
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        if kind == "union_tag_not_found":
            return Problem(path + (key,), f"required key is missing (one of: {', '.join(expected)})")
        tag = ctx.get("tag", "")
        hint = did_you_mean(tag, expected, "one of")
        return Problem(path + (key,), f"unknown {key} `{tag}`{hint}")
    if kind == "literal_error" and isinstance(err.get("input"), str):
        expected = _QUOTED.findall(str(err.get("ctx", {}).get("expected", "")))
        hint = did_you_mean(err["input"], expected, "")
        return Problem(
            path, f"`{err['input']}` is not one of: {', '.join(expected)}{hint if hint.startswith(';') else ''}"
        )
    message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    value = err.get("input")
    return Problem(path, message) if isinstance(value, dict) else Problem(path, message, value)
