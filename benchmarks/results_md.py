"""Appending a benchmark's row to its section of benchmarks/RESULTS.md (shared by the bench_* scripts)."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def append_row(section: str, command: str, header: str, row: str, results: Path = RESULTS) -> None:
    """Put `row` after the last table row of `section`, creating the section (its command line and table header)
    at the end of the file if absent."""
    text = results.read_text()
    if section not in text:
        text = text.rstrip("\n") + f"\n\n{section}\n\nCommand: `{command}`\n\n{header}\n"
    start = text.index(section)
    nxt = text.find("\n## ", start + len(section))
    end = len(text) if nxt < 0 else nxt
    lines = text[start:end].rstrip("\n").split("\n")
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    lines.insert(last + 1, row)
    results.write_text(text[:start] + "\n".join(lines) + "\n" + text[end:])
