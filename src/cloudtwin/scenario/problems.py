"""Problems found in a scenario, and where each one is: `FILE:LINE: key.path: message (got VALUE)`.

A `Problem` names a key path (a tuple of keys and list indices into the raw
data) and a message; a `SourceMap` knows the line of every key of the file and
which keys a `--set` override wrote, so it can say where each problem is.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.errors import ScenarioError

KeyPath = tuple[Any, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_NO_VALUE: Any = object()
_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: the key path it is at, what is wrong, and the offending value."""

    path: KeyPath
    message: str
    value: Any = _NO_VALUE


def format_path(path: Sequence[Any]) -> str:
    """`world.regions[0].zones[1]`; keys that are not plain words are quoted: `instances["m3.large"]`."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part if isinstance(part, str) else repr(part))}]"
    return out or "top level"


def format_value(value: Any) -> str:
    """A value as a user wrote it, shortened: strings quoted, YAML spellings for booleans and null."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, str)):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


def did_you_mean(word: Any, choices: Iterable[str], what: str = "") -> str:
    """A hint after a bad name: `; did you mean `x`?` when one is close, else the list of valid names."""
    options = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    if not options:
        return f" (no {what or 'names'} are defined)"
    shown = ", ".join(options[:20]) + (", ..." if len(options) > 20 else "")
    return f" ({what or 'valid names'}: {shown})"


@dataclass
class SourceMap:
    """Where every key of a scenario came from: a line of `source`, or a `--set` expression."""

    source: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    overrides: dict[KeyPath, str] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> tuple[str, int]:
        """`(label, sort key)` of the deepest node of `path` that exists in the file or was set by `--set`."""
        for depth in range(len(path), -1, -1):
            prefix = tuple(path[:depth])
            if prefix in self.overrides:
                return f"--set {self.overrides[prefix]}", 1 << 60
            if prefix in self.lines:
                return f"{self.source}:{self.lines[prefix]}", self.lines[prefix]
        return self.source, 0

    def forget(self, path: KeyPath) -> None:
        """Drop what is known about `path` and everything under it (it was replaced)."""
        depth = len(path)
        for table in (self.lines, self.overrides):
            for key in [k for k in table if k[:depth] == path]:
                del table[key]

    def render(self, problem: Problem) -> str:
        """The problem as one line: `FILE:LINE: key.path: message (got VALUE)`."""
        label, _ = self.locate(problem.path)
        text = f"{label}: {format_path(problem.path)}: {problem.message}"
        if problem.value is not _NO_VALUE and "(got " not in problem.message:
            text += f" (got {format_value(problem.value)})"
        return text

    def error(self, problems: Iterable[Problem]) -> ScenarioError:
        """One ScenarioError holding every problem, in file order (overrides last), without repeats."""
        located = sorted(((self.locate(p.path)[1], i, self.render(p)) for i, p in enumerate(problems)))
        lines = list(dict.fromkeys(text for _, _, text in located))
        return ScenarioError(problems=lines)


_LEADING_PATH = re.compile(r"([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): (.+)", re.DOTALL)
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_]\w*)")


def problem_of(line: str) -> Problem:
    """A stage's error line `key.path[0].x: message` as a Problem at that key path (the top level if none leads)."""
    match = _LEADING_PATH.fullmatch(line)
    if match is None:
        return Problem((), line)
    path = tuple(int(index) if index else key for index, key in _PATH_PART.findall(match.group(1)))
    return Problem(path, match.group(2))
