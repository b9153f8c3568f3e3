"""Run the command line in-process for the CLI tests (a helper module, imported by name)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudtwin.cli.main import main as cli_main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_scenario(name: str) -> Path:
    """A scenario of ../shared/scenarios, or skip when the folder is not beside the repo."""
    path = SHARED / "scenarios" / name
    if not path.is_file():
        pytest.skip(f"shared scenario not found at {path} (the ../shared folder is not beside this repo)")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `cloudtwin ARGV...`; return (exit code, stdout, stderr)."""
    try:
        cli_main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    """`cloudtwin run ARGV... --json`: the one JSON object on stdout."""
    code, out, err = run_cli(capsys, "run", *argv, "--json")
    assert code == 0, err
    return json.loads(out)
