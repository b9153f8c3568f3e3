"""Loading a scenario: file or preset → YAML → `--set` overrides → validation and checks → the resolved scenario.

Every problem is collected and raised at once as a ScenarioError, one line
each (`FILE:LINE: key.path: message (got VALUE)`). The resolved scenario has
every datacenter listed by name and trace paths made absolute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.checks import cross_check
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.model import Scenario
from cloudtwin.scenario.overrides import apply_overrides, apply_values
from cloudtwin.scenario.preset_files import preset_path
from cloudtwin.scenario.problems import Problem, SourceMap
from cloudtwin.scenario.validation import validation_problems
from cloudtwin.scenario.yamlsource import parse_yaml, read_text


def load_scenario(path: str | Path, overrides: Sequence[str] = (), values: Mapping[str, Any] | None = None) -> Scenario:
    """The scenario in the YAML file `path`, with `--set` overrides (then `values`) applied; ScenarioError listing
    every problem."""
    file = Path(path)
    text = read_text(file, str(path))
    return parse_scenario(text, source=str(path), base_dir=file.resolve().parent, overrides=overrides, values=values)


def load_preset(name: str, overrides: Sequence[str] = (), values: Mapping[str, Any] | None = None) -> Scenario:
    """The preset `name` shipped with cloudtwin (see `cloudtwin presets`), with overrides (then `values`) applied."""
    path = preset_path(name)
    text = read_text(path, f"preset {name}")
    return parse_scenario(text, source=f"preset {name}", base_dir=path.parent, overrides=overrides, values=values)


def parse_scenario(
    text: str,
    source: str = "<string>",
    base_dir: Path | None = None,
    overrides: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
) -> Scenario:
    """The scenario in YAML `text`; `source` names it in messages, relative trace paths resolve against `base_dir`.

    `overrides` are `--set KEY=VALUE` strings, `values` the same as a mapping of dotted keys to Python values;
    a relative trace path they give resolves against the current folder, as any path typed on a command line.
    Whether this machine can run it is `cloudtwin.runner.preflight`'s question, not the loader's.
    """
    where = SourceMap(source)
    data = parse_yaml(text, where)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the scalar {data!r}"[:60]
        raise ScenarioError(
            f"{source}:{where.lines.get((), 1)}: the top level must be a mapping of keys "
            f"(name, server_types, world, ...), not {kind}"
        )
    _resolve_traces(data, base_dir or Path.cwd())  # paths written in the file: against the file's folder
    data = apply_overrides(data, overrides, where)
    data = apply_values(data, values or {}, where)
    return _validated(data, where, Path.cwd())  # paths given by `--set` or `values`: against the current folder


def vary_scenario(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """`scenario` with each dotted key of `changes` set to its value and the whole validated again, as `--set`.

    The changes apply to the resolved scenario (every datacenter listed by name); problems name the original
    file's lines where it has them, `--set KEY=VALUE` for the changed keys. Relative trace paths resolve
    against the working directory.
    """
    old = source_of(scenario)
    where = (
        SourceMap(f"scenario {scenario.name}")
        if old is None
        else SourceMap(old.source, dict(old.lines), dict(old.overrides))
    )
    data = scenario.model_dump(mode="json", exclude_unset=True)  # what was written, so `model_fields_set` survives
    data = apply_values(data, changes, where)
    return _validated(data, where, Path.cwd())


def _validated(data: dict[str, Any], where: SourceMap, base_dir: Path) -> Scenario:
    """The resolved scenario of raw `data`, or one ScenarioError listing every problem."""
    problems = _resolve_traces(data, base_dir)
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems(exc, data)
    problems += cross_check(data)
    if problems or scenario is None:
        raise where.error(problems)
    resolved = expand_world(scenario)
    resolved._source = where
    return resolved


def source_of(scenario: Scenario) -> SourceMap | None:
    """The key-path -> line map of the file `scenario` was read from (None for one built in Python)."""
    source = scenario._source
    return source if isinstance(source, SourceMap) else None


def _resolve_traces(data: dict[str, Any], base_dir: Path) -> list[Problem]:
    """Make each relative `workload[i].arrivals.trace` absolute (against `base_dir`; absolute ones stay as they
    are); a problem for each missing file."""
    problems = []
    workloads = data.get("workload")
    for index, workload in enumerate(workloads if isinstance(workloads, list) else []):
        arrivals = workload.get("arrivals") if isinstance(workload, dict) else None
        if not isinstance(arrivals, dict):
            continue
        trace = arrivals.get("trace")
        if not isinstance(trace, str) or not trace:
            continue
        try:
            path = (base_dir / Path(trace).expanduser()).resolve()
            exists = path.is_file()
        except (OSError, ValueError, RuntimeError):
            path, exists = Path(trace), False
        arrivals["trace"] = str(path)
        if not exists:
            problems.append(Problem(("workload", index, "arrivals", "trace"), f"trace file not found: {path}", trace))
    return problems
