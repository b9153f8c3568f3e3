"""Reading scenario YAML safely: plain data plus the line of every key, or one clear problem.

Only the YAML safe schema is accepted (no Python tags). Aliases are expanded
with a budget on the number of nodes, so an alias bomb ("billion laughs")
is refused instead of filling memory; nesting depth and file size are capped.
Duplicate keys, which YAML forbids and PyYAML silently merges, are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.problems import KeyPath, Problem, SourceMap

# A scenario or preset of the whole 2014 world is tens of KB; traces are separate files.
MAX_FILE_BYTES = 1 << 20
# Far above any real scenario (the aws-2014 preset has a few thousand nodes), far below memory trouble.
MAX_NODES = 200_000
# The deepest real key is world.regions[i].zones[j].datacenters[k].servers (8 levels).
MAX_DEPTH = 32

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


def read_text(path: Path, label: str) -> str:
    """The text of a scenario file, or a ScenarioError saying why it cannot be one."""
    try:
        if not path.exists():
            raise ScenarioError(f"{label}: no such file")
        if path.is_dir():
            raise ScenarioError(f"{label}: is a directory, not a scenario file")
        if not path.is_file():  # a device or a pipe: reading it could block or never end
            raise ScenarioError(f"{label}: not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"{label}: {size:,} bytes is more than a scenario file may hold ({MAX_FILE_BYTES:,})")
        data = path.read_bytes()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{label}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(f"{label}:1: UTF-16 text; save the file as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError(f"{label}:{line}: binary data (a NUL byte), not a YAML scenario")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{label}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def parse_yaml(text: str, source: SourceMap) -> Any:
    """The data of one YAML document; fills `source.lines` with the line of every key and list item."""
    label = source.source
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"{label}: {len(text):,} characters is more than a scenario may hold ({MAX_FILE_BYTES:,})")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ScenarioError(f"{where}: YAML syntax error: {what or exc}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: max(exc.position, 0)].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise ScenarioError(f"{label}:{line}: character U+{code:04X} is not allowed in YAML (binary data?)") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{label}: YAML error: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{label}: YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
    if node is None:
        raise ScenarioError(f"{label}: empty: no YAML document (a scenario needs `name`, `server_types`, `world`)")
    builder = _Builder(source)
    data = builder.build(node, (), 0)
    if builder.problems:
        raise source.error(builder.problems)
    return data


def parse_value(text: str) -> Any:
    """A small YAML value (the right side of `--set`), with the same guards; raises ScenarioError."""
    source = SourceMap("value")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        raise ScenarioError(
            f"not a YAML value: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    if node is None:
        return None
    builder = _Builder(source)
    value = builder.build(node, (), 0)
    if builder.problems:
        raise ScenarioError("; ".join(f"{p.message}" for p in builder.problems))
    return value


class _Builder:
    """Turns composed YAML nodes into plain data, recording lines and counting nodes."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ScenarioError(
                f"{self.source.source}:{node.start_mark.line + 1}: the document expands to more than "
                f"{MAX_NODES:,} values (an alias bomb?)"
            )
        if depth > MAX_DEPTH:
            raise ScenarioError(
                f"{self.source.source}:{node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep"
            )
        self.source.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth) if node.tag == _TAG + "map" else self._bad_tag(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                return self._bad_tag(node, path)
            items = []
            for index, item in enumerate(node.value):
                self.source.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self.build(item, path + (index,), depth + 1))
            return items
        if node.tag not in _SCALAR_TAGS:
            return self._bad_tag(node, path)
        try:
            return self.constructor.construct_object(node)
        except Exception as exc:  # any malformed explicitly-tagged scalar (`!!int abc`, `!!bool x`)
            message = f"not a valid `!!{node.tag.removeprefix(_TAG)}` ({type(exc).__name__})"
            self.problems.append(Problem(path, message, node.value))
            return None

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[Any, Any]:
        own: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                for source in self._merge_sources(value_node, path):
                    built = self.build(source, path, depth + 1)
                    for key, value in built.items() if isinstance(built, dict) else ():
                        merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(path, "a key must be a plain word or number, not a list or mapping"))
                continue
            key = self.build(key_node, path, depth + 1)
            try:
                hash(key)
            except TypeError:
                self.problems.append(Problem(path, "a key must be a plain word or number", key_node.value))
                continue
            if key in own:
                self.source.lines[path + (key,)] = key_node.start_mark.line + 1
                self.problems.append(Problem(path + (key,), f"key `{key}` appears twice in one mapping"))
                continue
            self.source.lines[path + (key,)] = key_node.start_mark.line + 1
            own[key] = self.build(value_node, path + (key,), depth + 1)
        return {**{k: v for k, v in merged.items() if k not in own}, **own}

    def _merge_sources(self, node: yaml.Node, path: KeyPath) -> list[yaml.MappingNode]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if all(isinstance(s, yaml.MappingNode) for s in sources):
            return list(sources)
        self.problems.append(Problem(path, "`<<` (merge) must name a mapping or a list of mappings"))
        return []

    def _bad_tag(self, node: yaml.Node, path: KeyPath) -> None:
        message = f"YAML tag `{node.tag}` is not allowed (plain mappings, lists and scalars only)"
        if isinstance(node, yaml.ScalarNode):
            self.problems.append(Problem(path, message, node.value))
        else:
            self.problems.append(Problem(path, message))
        return None
