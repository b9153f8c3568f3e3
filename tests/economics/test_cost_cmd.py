"""`cloudtwin cost` and `cloudtwin.cost`: the JSON contract, the quick expected steady state of aws-2014, and bad
input answered with one line and exit code 2."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.economics import HAMILTON_2010_SPLIT

KEYS = {"provider", "revenue_monthly_usd", "margin", "tenants", "rent_or_build"}


def test_aws_2014_json_contract_and_split(capsys: pytest.CaptureFixture[str]) -> None:
    """`cloudtwin cost --preset aws-2014 --json` prints exactly the documented keys, quickly (no simulation), and
    the provider's split, built from components, is Hamilton's within 2 points (the preset's host takes his
    server's price and power); 11 workloads each have a bill and a rent-or-build row."""
    started = time.perf_counter()
    code, out, err = run_cli(capsys, "cost", "--preset", "aws-2014", "--json")
    assert code == 0, err
    assert time.perf_counter() - started < 10.0
    printed = json.loads(out)
    assert set(printed) == KEYS
    assert set(printed["provider"]) == {"monthly_cost_usd", "split", "cost_per_vcpu_hour_usd"}
    assert set(printed["provider"]["split"]) == set(HAMILTON_2010_SPLIT)
    for part, published in HAMILTON_2010_SPLIT.items():
        assert printed["provider"]["split"][part] == pytest.approx(published, abs=0.02)
    assert len(printed["tenants"]) == 11
    assert all(set(t) == {"workload", "monthly_bill_usd"} for t in printed["tenants"])
    assert all(
        set(r) == {"workload", "on_demand_usd", "own_usd", "break_even_utilization"} for r in printed["rent_or_build"]
    )
    assert printed == cloudtwin.cost("aws-2014").to_json()


def test_text_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """The table view of aws-2014 keeps every line within 80 characters."""
    code, out, err = run_cli(capsys, "cost", "--preset", "aws-2014")
    assert code == 0, err
    assert "The provider:" in out and "Rent or build over 3 years" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--preset", "small", "--set", "economics.pue=0.5"], "economics.pue"),
        (["--preset", "small", "--set", "economics.power_usd_per_kwh=cheap"], "economics.power_usd_per_kwh"),
        (["--preset", "small", "--set", "economics.nonsense=1"], "economics.nonsense"),
        (["--preset", "small", "--run", "1"], "not both"),
        (["--run", "first"], "run number"),
    ],
)
def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], words: str) -> None:
    """A bad key or value names its key path; --run with a scenario, or a run that is no number, says so: one line
    on stderr, exit code 2, no traceback."""
    code, out, err = run_cli(capsys, "cost", *argv, "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert out == ""
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_run_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--run against a database that does not exist: one line, exit 2."""
    code, _out, err = run_cli(capsys, "cost", "--run", "latest", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_api_arguments() -> None:
    """`cloudtwin.cost` takes a scenario or a stored run, not both; `set` applies as `--set` does."""
    cheaper = cloudtwin.cost("small", set={"economics.power_usd_per_kwh": 0.0})
    assert cheaper.provider.monthly_usd["power"] == 0.0
    with pytest.raises(cloudtwin.CloudtwinError, match="not both"):
        cloudtwin.cost("small", db="x.duckdb")
    with pytest.raises(cloudtwin.CloudtwinError, match="needs `db`"):
        cloudtwin.cost("small", run_id=1)
