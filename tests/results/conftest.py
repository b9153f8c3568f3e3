"""Shared fixture for the results-store tests: a fresh database path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path in a fresh folder (the file does not exist yet)."""
    return tmp_path / "results.duckdb"
