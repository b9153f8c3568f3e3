"""A sweep's spec: a YAML file (or a mapping) naming a base scenario, fixed overrides, axes, replications, a seed.

    base: small                    # a preset name, or a scenario file relative to this spec's folder
    set: {horizon.days: 0.5}       # dotted key -> value, applied to every run (as `--set`)
    axes:                          # dotted key -> the values to try; the grid is every combination
      placement.policy: [first-fit, best-fit]
      workload[0].arrivals.rate_per_hour: [100, 200]
    replications: 5                # runs per axis point, each with its own seed
    seed: 1                        # the sweep's seed: replication r gets the same derived seed at every point

Problems are reported at once, one line each, `FILE:LINE: key: message`, as for scenarios (exit code 2).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.problems import Problem, SourceMap
from cloudtwin.scenario.yamlsource import parse_yaml, read_text

#: Keys the sweep sets itself: a spec may not set or vary them.
RESERVED_KEYS = ("seed",)
#: Most runs one spec may expand to (a typo like `replications: 1e9` is refused, not started).
MAX_RUNS = 1_000_000


class SweepSpec(BaseModel):
    """The validated spec (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, list[Any]] = Field(default_factory=dict)
    replications: int = Field(default=1, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, lt=2**63)

    @field_validator("set", "axes")
    @classmethod
    def _no_reserved_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if key in RESERVED_KEYS:
                raise ValueError(f"`{key}` is set by the sweep (from its own `seed`, per replication)")
        return value

    @field_validator("axes")
    @classmethod
    def _axes_have_values(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not values:
                raise ValueError(f"axis `{key}` has no values")
        return value


@dataclass(frozen=True)
class LoadedSpec:
    """A spec with where it came from: its folder (a relative `base` file resolves against it) and its text."""

    spec: SweepSpec
    folder: Path
    source: str
    text: str  # the spec as YAML (as written, for a file; dumped, for a mapping)


def load_spec(spec: str | Path | Mapping[str, Any]) -> LoadedSpec:
    """A spec file (YAML) or a mapping, validated; ScenarioError with one line per problem."""
    if isinstance(spec, Mapping):
        data = dict(spec)
        where = SourceMap("sweep spec")
        text = yaml.safe_dump(_plain(data), sort_keys=False)
        folder = Path.cwd()
    else:
        path = Path(spec)
        text = read_text(path, str(spec))
        where = SourceMap(str(spec))
        data = parse_yaml(text, where)
        folder = path.resolve().parent
    if not isinstance(data, dict):
        raise ScenarioError(f"{where.source}: a sweep spec must be a mapping (base, set, axes, replications, seed)")
    keyed = _key_problems(data)  # at the key itself, for its line (the model's own checks name only the section)
    try:
        model = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems = [
            _problem(err)
            for err in exc.errors(include_url=False)
            if not (keyed and err["type"] == "value_error" and tuple(err["loc"]) in (("set",), ("axes",)))
        ]
        raise where.error(keyed + problems) from None
    return LoadedSpec(model, folder, where.source, text)


def _key_problems(data: dict[str, Any]) -> list[Problem]:
    """Reserved keys in `set` or `axes`, and axes without values, each at its own key path."""
    out = []
    for section in ("set", "axes"):
        values = data.get(section)
        for key, value in values.items() if isinstance(values, dict) else ():
            if key in RESERVED_KEYS:
                out.append(Problem((section, key), "is set by the sweep (from its own `seed`, per replication)"))
            elif section == "axes" and isinstance(value, list) and not value:
                out.append(Problem((section, key), "an axis needs at least one value"))
    return out


def _problem(err: Any) -> Problem:
    """A pydantic error as a Problem at its key path (dotted keys stay one key)."""
    path = tuple(part for part in err["loc"] if part not in ("[key]",))
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key (a spec has base, set, axes, replications, seed)"
    if err["type"] == "missing":
        return Problem(path, message)
    return Problem(path, message, err.get("input"))


def _plain(data: Any) -> Any:
    """A mapping given in Python as plain YAML data (tuples as lists), for the stored spec text."""
    return json.loads(json.dumps(data, default=str))
