"""Fixtures of the runner tests: the scenario tests' small inline scenario."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "scenario_fixtures", Path(__file__).parents[1] / "scenario" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_scenario_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_scenario_fixtures)


@pytest.fixture
def minimal_text() -> str:
    """MINIMAL of tests/scenario/conftest.py: 100 + 90 servers of 16 vCPUs, 20 arrivals/h of mean 2 h."""
    return str(_scenario_fixtures.MINIMAL)
